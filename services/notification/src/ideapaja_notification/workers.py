"""One worker of each kind per running service (the e-mail sender, the webhook sender), and
what both take from the service's settings."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from ideapaja_notification.delivery_worker import DeliveryWorker

if TYPE_CHECKING:
    from ideapaja_notification.settings import NotificationSettings
    from ideapaja_runtime.service import Runtime

W = TypeVar("W", bound=DeliveryWorker[Any])


def claim_options(runtime: Runtime[NotificationSettings]) -> dict[str, Any]:
    """What both senders take from the service's settings: the batch lease, the heartbeat,
    and the service's clock."""
    settings = runtime.settings
    return {
        "lease_seconds": settings.sender_lease_seconds,
        "heartbeat_seconds": settings.sender_heartbeat_seconds,
        "holder_timeout_seconds": settings.sender_holder_timeout_seconds,
        "clock": lambda: runtime.clock(),
    }


def worker_of(
    runtime: Runtime[NotificationSettings],
    key: str,
    build: Callable[[Runtime[NotificationSettings]], W],
    kind: type[W],
) -> W:
    """The service's one worker of ``kind``, kept as ``runtime.extras[key]`` (handlers, routes
    and start/stop reach the same)."""
    worker = runtime.extras.get(key)
    if worker is None:
        worker = runtime.extras[key] = build(runtime)
    assert isinstance(worker, kind)
    return worker
