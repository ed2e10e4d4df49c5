"""The notification service: tell people what concerns them, in an in-app inbox and by e-mail."""

from __future__ import annotations

from pathlib import Path

from ideapaja_notification.api import inbox as inbox_api
from ideapaja_notification.api import preferences as preferences_api
from ideapaja_notification.api import webhooks as webhooks_api
from ideapaja_notification.api.notifications import router
from ideapaja_notification.authz import POLICY
from ideapaja_notification.handlers import subscriptions
from ideapaja_notification.schemas import PersonData
from ideapaja_notification.sender import sender_for, start_sender, stop_sender
from ideapaja_notification.settings import NotificationSettings
from ideapaja_notification.usecases import digests, inbox, webhook_deliveries
from ideapaja_notification.usecases.privacy import person_report
from ideapaja_notification.webhook_sender import webhook_sender_for
from ideapaja_runtime.access_report import access_report_router
from ideapaja_runtime.service import Runtime, ServiceSpec

privacy_router = access_report_router(
    POLICY,
    build=person_report,
    response_model=PersonData,
    summary="Everything held on a person: contact, messages, ideas (GDPR access report)",
)


async def on_start(runtime: Runtime[NotificationSettings]) -> None:
    await start_sender(runtime)
    inbox.start_purge(runtime)
    await webhook_sender_for(runtime).launch()
    webhook_deliveries.start_purge(runtime)
    digests.start_digests(runtime, wake=sender_for(runtime).wake)


async def on_stop(runtime: Runtime[NotificationSettings]) -> None:
    await digests.stop_digests(runtime)
    await inbox.stop_purge(runtime)
    await stop_sender(runtime)
    await webhook_deliveries.stop_purge(runtime)
    await webhook_sender_for(runtime).stop()


service = ServiceSpec(
    name="notification",
    title="Notification",
    default_port=8004,
    settings_class=NotificationSettings,
    routers=[
        router,
        inbox_api.router,
        preferences_api.router,
        webhooks_api.router,
        privacy_router,
    ],
    subscriptions=subscriptions,
    migrations=Path(__file__).parent / "db" / "migrations",
    # The delivery sender runs beside the consumers (see sender.py for why it is not inline),
    # and the inbox's retention purge on a clock.
    on_start=on_start,
    on_stop=on_stop,
    tags=(
        {"name": "notifications", "description": "A person's own notifications"},
        {"name": "inbox", "description": "A person's own in-app inbox"},
        {"name": "preferences", "description": "How a person's own messages are e-mailed"},
        {"name": "operations", "description": "Deliveries for operators"},
        {"name": "webhooks", "description": "Signed event deliveries to integrations (admins)"},
        {"name": "privacy", "description": "What is held on a person (GDPR)"},
    ),
)
