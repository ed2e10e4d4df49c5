"""The reward service: incentive rules turn lifecycle outcomes into points and grants for HR."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ideapaja_reward.api import activity as activity_api
from ideapaja_reward.api import awards as awards_api
from ideapaja_reward.api import periodic as periodic_api
from ideapaja_reward.api import reports as reports_api
from ideapaja_reward.api.rewards import router
from ideapaja_reward.api.rules import router as rules_router
from ideapaja_reward.authz import POLICY
from ideapaja_reward.errors import ERRORS
from ideapaja_reward.handlers import RewardHandlers
from ideapaja_reward.schemas import PersonData
from ideapaja_reward.settings import RewardSettings
from ideapaja_reward.usecases.privacy import person_report
from ideapaja_runtime.access_report import access_report_router
from ideapaja_runtime.messaging import Subscription
from ideapaja_runtime.service import Runtime, ServiceSpec


def subscriptions(runtime: Runtime[RewardSettings]) -> Sequence[Subscription]:
    return RewardHandlers(runtime.settings.seed_rules).subscriptions()


privacy_router = access_report_router(
    POLICY,
    build=person_report,
    response_model=PersonData,
    summary="Everything held on a person: points ledger, grants, ideas (GDPR access report)",
    # The ledger is listed as it is: points go to authors, and HR/payroll gets every grant.
    withholds_anonymous=False,
)

service = ServiceSpec(
    name="reward",
    title="Reward",
    default_port=8003,
    settings_class=RewardSettings,
    routers=[
        router,
        rules_router,
        privacy_router,
        awards_api.router,
        reports_api.router,
        activity_api.router,
        periodic_api.router,
    ],
    errors=ERRORS,
    subscriptions=subscriptions,
    migrations=Path(__file__).parent / "db" / "migrations",
    tags=[
        {
            "name": "rewards",
            "description": "Points ledger, granted rewards for HR/payroll and unit activity",
        },
        {
            "name": "activity",
            "description": "Units' activity per headcount, roll-ups and the trend (dashboard, CSV)",
        },
        {
            "name": "award-rounds",
            "description": "Periodic awards: idea of the month and of the year, unit of the year",
        },
        {
            "name": "rules",
            "description": "The incentive rules as data: the version in force and every earlier "
            "one, with who changed them, when and why",
        },
        {"name": "privacy", "description": "What is held on a person (GDPR)"},
        {
            "name": "awards",
            "description": "Committee and supervisor awards with their approval chain, and "
            "department budgets",
        },
    ],
)
