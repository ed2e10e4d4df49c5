"""The reward service: incentive rules turn lifecycle outcomes into points and grants for HR."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ideapaja_reward import privacy_api
from ideapaja_reward.api import router
from ideapaja_reward.handlers import RewardHandlers
from ideapaja_reward.settings import RewardSettings
from ideapaja_runtime.messaging import Subscription
from ideapaja_runtime.service import Runtime, ServiceSpec


def subscriptions(runtime: Runtime) -> Sequence[Subscription]:
    settings = runtime.settings
    assert isinstance(settings, RewardSettings)
    return RewardHandlers(settings.incentive_rules).subscriptions()


service = ServiceSpec(
    name="reward",
    title="Reward",
    default_port=8003,
    settings_class=RewardSettings,
    routers=[router, privacy_api.router],
    subscriptions=subscriptions,
    migrations=Path(__file__).parent / "db" / "migrations",
    tags=[
        {
            "name": "rewards",
            "description": "Points ledger, granted rewards for HR/payroll and unit activity",
        },
        {"name": "privacy", "description": "What is held on a person (GDPR)"},
    ],
)
