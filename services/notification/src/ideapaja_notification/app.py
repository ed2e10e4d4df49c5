"""The notification service: e-mail people about decisions on their ideas and their rewards."""

from __future__ import annotations

from pathlib import Path

from ideapaja_notification.api.notifications import router
from ideapaja_notification.authz import POLICY
from ideapaja_notification.handlers import subscriptions
from ideapaja_notification.schemas import PersonData
from ideapaja_notification.sender import start_sender, stop_sender
from ideapaja_notification.settings import NotificationSettings
from ideapaja_notification.usecases.privacy import person_report
from ideapaja_runtime.access_report import access_report_router
from ideapaja_runtime.service import ServiceSpec

privacy_router = access_report_router(
    POLICY,
    build=person_report,
    response_model=PersonData,
    summary="Everything held on a person: contact, messages, ideas (GDPR access report)",
)

service = ServiceSpec(
    name="notification",
    title="Notification",
    default_port=8004,
    settings_class=NotificationSettings,
    routers=[router, privacy_router],
    subscriptions=subscriptions,
    migrations=Path(__file__).parent / "db" / "migrations",
    # The delivery sender runs beside the consumers; see sender.py for why it is not inline.
    on_start=start_sender,
    on_stop=stop_sender,
    tags=(
        {"name": "notifications", "description": "A person's own notifications"},
        {"name": "operations", "description": "Deliveries for operators"},
        {"name": "privacy", "description": "What is held on a person (GDPR)"},
    ),
)
