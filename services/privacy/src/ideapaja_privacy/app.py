"""The privacy service: erasure of people (on request, or after the retention period once they
left), deletion of their HR records, access reports of everything held on a person, and the audit
log of both."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ideapaja_privacy import peers
from ideapaja_privacy.api import erasures, reports
from ideapaja_privacy.authz import POLICY
from ideapaja_privacy.handlers import subscriptions as hr_subscriptions
from ideapaja_privacy.settings import PrivacySettings
from ideapaja_privacy.sweeper import start_sweeper, stop_sweeper
from ideapaja_runtime.dead_letters import dead_letters_router
from ideapaja_runtime.messaging import Subscription
from ideapaja_runtime.service import Runtime, ServiceSpec


def subscriptions(runtime: Runtime[PrivacySettings]) -> Sequence[Subscription]:
    return hr_subscriptions()


async def on_stop(runtime: Runtime[PrivacySettings]) -> None:
    await stop_sweeper(runtime)
    await peers.close_service_tokens(runtime)


service = ServiceSpec(
    name="privacy",
    title="Privacy",
    default_port=8005,
    settings_class=PrivacySettings,
    routers=[erasures.router, reports.router, dead_letters_router(POLICY)],
    subscriptions=subscriptions,
    migrations=Path(__file__).parent / "db" / "migrations",
    # The retention sweep runs beside the consumers (sweeper.py).
    on_start=start_sweeper,
    on_stop=on_stop,
    tags=(
        {"name": "erasures", "description": "Erasing a person everywhere (GDPR)"},
        {"name": "access reports", "description": "Everything held on a person"},
        {"name": "audit", "description": "Who requested erasures and viewed reports"},
        {"name": "dead letters", "description": "Events consumers gave up on (read-only)"},
    ),
)
