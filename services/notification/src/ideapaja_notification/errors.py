"""The notification service's domain errors (each answers as its runtime class does: status,
title, detail and extra members; no mapping of their own is needed)."""

from __future__ import annotations

from ideapaja_notification.domain.deliveries import DeliveryStatus
from ideapaja_runtime.errors import Conflict, DomainError, NotFound


class DeliveryNotFound(NotFound):
    title = "Delivery not found"

    def __init__(self, delivery_id: str) -> None:
        super().__init__(f"No delivery {delivery_id}.")


class NotRequeueable(Conflict):
    """Only a failed delivery to someone not erased can be queued again."""

    title = "Delivery cannot be retried"

    def __init__(self, status: DeliveryStatus, reason: str | None = None) -> None:
        super().__init__(
            reason or f"the delivery is {status.value}; only failed deliveries can be retried",
            status_now=status.value,
        )
        self.delivery_status = status


class InboxItemNotFound(NotFound):
    title = "Inbox item not found"

    def __init__(self, item_id: str) -> None:
        super().__init__(f"No inbox item {item_id}.")


class WebhookNotFound(NotFound):
    title = "Webhook endpoint not found"

    def __init__(self, endpoint_id: str) -> None:
        super().__init__(f"No webhook endpoint {endpoint_id}.")


class WebhookDeliveryNotFound(NotFound):
    title = "Webhook delivery not found"

    def __init__(self, delivery_id: str) -> None:
        super().__init__(f"No delivery {delivery_id} to this endpoint.")


class NotRedeliverable(Conflict):
    """A delivery still queued is not queued twice; one whose payload is gone cannot be sent."""

    title = "Delivery cannot be sent again"

    def __init__(self, reason: str, status: str) -> None:
        super().__init__(reason, status_now=status)


class PreferencesRefused(DomainError):
    """A preference for a kind that does not exist, or "off" for one that cannot be turned off:
    every such kind named, each as a field of the body, so a form shows it beside that kind."""

    status = 422
    title = "Invalid input"

    def __init__(self, errors: list[dict[str, str]]) -> None:
        super().__init__("; ".join(f"{e['field']}: {e['message']}" for e in errors), errors=errors)
