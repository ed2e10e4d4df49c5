"""Outcome of delivering a message to a person (owned by notification)."""

from __future__ import annotations

from enum import StrEnum

from ideapaja_contracts.base import Event, Id, ShortText


class NotificationChannel(StrEnum):
    EMAIL = "email"
    INBOX = "inbox"
    WEBHOOK = "webhook"


class NotificationEvent(Event):
    notification_id: Id
    person_id: Id
    channel: NotificationChannel
    # The event that caused this notification (its CloudEvents id).
    cause_event_id: Id

    def aggregate_id(self) -> str:
        return self.notification_id


class NotificationDelivered(NotificationEvent, aggregate="notification", name="delivered"):
    template: ShortText


class NotificationFailed(NotificationEvent, aggregate="notification", name="failed"):
    template: ShortText
    error: ShortText
