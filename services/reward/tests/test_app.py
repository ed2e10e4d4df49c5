"""The service as the runtime finds and wires it."""

from __future__ import annotations

from reward_testkit import reward_settings

from ideapaja_contracts.events.hr import PersonLeft, PersonUpserted, UnitUpserted
from ideapaja_contracts.events.idea import IdeaCommented, IdeaSubmitted, IdeaSupported, IdeaUpdated
from ideapaja_contracts.events.privacy import ErasureRequested
from ideapaja_contracts.events.progress import (
    ExperimentCompleted,
    ExperimentStarted,
    ImplementationCompleted,
    PracticeAdopted,
)
from ideapaja_contracts.events.review import ReviewDecided
from ideapaja_reward.app import service, subscriptions
from ideapaja_runtime.service import Runtime, discover_services


def test_the_runtime_finds_the_service_by_its_entry_point() -> None:
    assert discover_services()["reward"] is service
    assert service.default_port == 8003


def test_one_consumer_per_consumed_event() -> None:
    runtime = Runtime(service, reward_settings(points_rules={"accepted": 7}))
    subs = {s.name: s for s in subscriptions(runtime)}
    assert {name: (s.subject, list(s.handlers)) for name, s in subs.items()} == {
        "ideas": ("ideapaja.idea.submitted.v1", [IdeaSubmitted]),
        "idea-updates": ("ideapaja.idea.updated.v1", [IdeaUpdated]),
        "decisions": ("ideapaja.review.decided.v1", [ReviewDecided]),
        "experiments-started": ("ideapaja.experiment.started.v1", [ExperimentStarted]),
        "experiments-completed": ("ideapaja.experiment.completed.v1", [ExperimentCompleted]),
        "implementations": ("ideapaja.implementation.completed.v1", [ImplementationCompleted]),
        "practice-adoptions": ("ideapaja.practice.adopted.v1", [PracticeAdopted]),
        "supports": ("ideapaja.idea.supported.v1", [IdeaSupported]),
        "comments": ("ideapaja.idea.commented.v1", [IdeaCommented]),
        "privacy-erasures": ("ideapaja.privacy.erasure_requested.v1", [ErasureRequested]),
        "hr-units": ("hr.unit.*", [UnitUpserted]),
        "hr-people": ("hr.person.*", [PersonUpserted, PersonLeft]),
    }
    # The configured rules seed the first version, not the defaults.
    handler = subs["decisions"].handlers[ReviewDecided]
    seed = handler.__self__.seed  # type: ignore[attr-defined]
    assert seed.as_json()["points"] == {"accepted": 7}
