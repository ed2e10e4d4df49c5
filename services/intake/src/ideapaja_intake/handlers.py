"""The subscriptions table: which events intake consumes, and the use case each one runs.

Every consumer minds erasures: a late event about an erased person is skipped or pseudonymised
like the rest of their data (``usecases.erasure.erasure_aware``)."""

from __future__ import annotations

from collections.abc import Sequence

from ideapaja_contracts.events.hr import PersonLeft, PersonUpserted, UnitUpserted
from ideapaja_contracts.events.privacy import ErasureRequested
from ideapaja_contracts.events.progress import (
    ExperimentCompleted,
    ExperimentStarted,
    ImplementationCompleted,
    PracticePublished,
)
from ideapaja_contracts.events.review import (
    CaseReopened,
    IdeaForwarded,
    IdeaMerged,
    InfoProvided,
    InfoRequested,
    ReviewDecided,
    ReviewStarted,
    ScreeningStarted,
)
from ideapaja_contracts.events.reward import RewardGranted
from ideapaja_intake.settings import IntakeSettings
from ideapaja_intake.usecases import org, timeline
from ideapaja_intake.usecases.erasure import erasure_aware, on_erasure_requested
from ideapaja_runtime.messaging import Subscription
from ideapaja_runtime.service import Runtime

# Every review event in one consumer, so screening and decisions arrive in the order review
# published them (types without a handler are acknowledged and skipped).
REVIEW_SUBJECTS = "ideapaja.review.>"

CONSUMERS = (
    Subscription("hr-units", {UnitUpserted: org.on_unit_upserted}, stream="hr"),
    Subscription(
        "hr-people",
        {PersonUpserted: org.on_person_changed, PersonLeft: org.on_person_changed},
        stream="hr",
    ),
    Subscription(
        "review",
        {
            ScreeningStarted: timeline.on_screening_started,
            ReviewStarted: timeline.on_review_started,
            InfoRequested: timeline.on_info_requested,
            InfoProvided: timeline.on_info_provided,
            ReviewDecided: timeline.on_review_decided,
            CaseReopened: timeline.on_case_reopened,
            IdeaForwarded: timeline.on_idea_forwarded,
            IdeaMerged: timeline.on_idea_merged,
        },
        subject=REVIEW_SUBJECTS,
    ),
    Subscription("rewards", {RewardGranted: timeline.on_reward_granted}),
    Subscription(
        "experiments",
        {
            ExperimentStarted: timeline.on_experiment_started,
            ExperimentCompleted: timeline.on_experiment_completed,
        },
        subject="ideapaja.experiment.>",
    ),
    Subscription(
        "implementation",
        {ImplementationCompleted: timeline.on_implementation_completed},
        subject="ideapaja.implementation.>",
    ),
    Subscription(
        "practices",
        {PracticePublished: timeline.on_practice_published},
        subject="ideapaja.practice.>",
    ),
)
ERASURES = Subscription("privacy-erasures", {ErasureRequested: on_erasure_requested})


def subscriptions(_runtime: Runtime[IntakeSettings]) -> Sequence[Subscription]:
    return [*(erasure_aware(s) for s in CONSUMERS), ERASURES]
