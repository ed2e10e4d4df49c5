"""The intake service: ideas as submitted, their authors, and their status as review reports it."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ideapaja_contracts.events.hr import UnitUpserted
from ideapaja_contracts.events.review import ReviewDecided, ScreeningStarted
from ideapaja_contracts.events.reward import RewardGranted
from ideapaja_intake.api import ideas_router, units_router
from ideapaja_intake.handlers import (
    on_review_decided,
    on_reward_granted,
    on_screening_started,
    on_unit_upserted,
)
from ideapaja_intake.settings import IntakeSettings
from ideapaja_runtime.logging import get_logger
from ideapaja_runtime.messaging import Subscription
from ideapaja_runtime.service import Runtime, ServiceSpec

log = get_logger(__name__)

# Every review event in one consumer, so screening and decisions arrive in the order review
# published them (types without a handler are acknowledged and skipped).
REVIEW_SUBJECTS = "ideapaja.review.>"


def subscriptions(_runtime: Runtime) -> Sequence[Subscription]:
    return [
        Subscription("hr-units", {UnitUpserted: on_unit_upserted}, stream="hr"),
        Subscription(
            "review",
            {ScreeningStarted: on_screening_started, ReviewDecided: on_review_decided},
            subject=REVIEW_SUBJECTS,
        ),
        Subscription("rewards", {RewardGranted: on_reward_granted}),
    ]


async def warn_about_dev_secret(runtime: Runtime) -> None:
    settings = runtime.settings
    if isinstance(settings, IntakeSettings) and settings.uses_dev_pseudonym_secret:
        log.warning(
            "dev_pseudonym_secret_in_use",
            hint="set IDEAPAJA_INTAKE_PSEUDONYM_SECRET in production",
        )


service = ServiceSpec(
    name="intake",
    title="Intake",
    default_port=8001,
    settings_class=IntakeSettings,
    routers=[ideas_router, units_router],
    subscriptions=subscriptions,
    migrations=Path(__file__).parent / "db" / "migrations",
    on_start=warn_about_dev_secret,
    tags=[
        {"name": "ideas", "description": "Submitting and following ideas"},
        {"name": "units", "description": "The city's units and departments, from HR"},
    ],
)
