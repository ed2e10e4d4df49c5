"""The one list of published event contracts, by CloudEvents type."""

from __future__ import annotations

from ideapaja_contracts.base import Event
from ideapaja_contracts.events.hr import PersonLeft, PersonUpserted, UnitUpserted
from ideapaja_contracts.events.idea import (
    IdeaCommented,
    IdeaRetentionExpired,
    IdeaSubmitted,
    IdeaSupported,
    IdeaUpdated,
    IdeaWithdrawn,
)
from ideapaja_contracts.events.notification import NotificationDelivered, NotificationFailed
from ideapaja_contracts.events.privacy import ErasureRequested
from ideapaja_contracts.events.progress import (
    ExperimentCompleted,
    ExperimentStarted,
    ImplementationCompleted,
    ImplementationProgressed,
    PracticeAdopted,
    PracticePublished,
)
from ideapaja_contracts.events.review import (
    CaseDeadlineNear,
    CaseEscalated,
    CaseReopened,
    IdeaForwarded,
    IdeaMerged,
    InfoProvided,
    InfoRequested,
    MeetingScheduled,
    MinutesPublished,
    ReviewDecided,
    ReviewStarted,
    ScoringOpened,
    ScreeningStarted,
)
from ideapaja_contracts.events.reward import (
    AwardApproved,
    AwardProposed,
    AwardRejected,
    PeriodicAwardDecided,
    PointsAwarded,
    RewardGranted,
)

ALL_EVENTS: tuple[type[Event], ...] = (
    IdeaSubmitted,
    IdeaUpdated,
    IdeaWithdrawn,
    IdeaSupported,
    IdeaCommented,
    IdeaRetentionExpired,
    ScreeningStarted,
    InfoRequested,
    ReviewDecided,
    IdeaMerged,
    IdeaForwarded,
    ReviewStarted,
    InfoProvided,
    CaseReopened,
    CaseEscalated,
    CaseDeadlineNear,
    MeetingScheduled,
    ScoringOpened,
    MinutesPublished,
    ExperimentStarted,
    ExperimentCompleted,
    ImplementationProgressed,
    ImplementationCompleted,
    PracticePublished,
    PracticeAdopted,
    PointsAwarded,
    AwardProposed,
    AwardApproved,
    AwardRejected,
    RewardGranted,
    PeriodicAwardDecided,
    NotificationDelivered,
    NotificationFailed,
    ErasureRequested,
    UnitUpserted,
    PersonUpserted,
    PersonLeft,
)

EVENTS_BY_TYPE: dict[str, type[Event]] = {cls.event_type(): cls for cls in ALL_EVENTS}

if len(EVENTS_BY_TYPE) != len(ALL_EVENTS):  # pragma: no cover - guards a copy-paste mistake
    raise RuntimeError("two event classes share one CloudEvents type")


def event_class(event_type: str) -> type[Event] | None:
    return EVENTS_BY_TYPE.get(event_type)
