"""What the notification service's routes share: the typed unit of work, the delivery sender,
path parameters, and the status filter of the delivery lists."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Query, Request

from ideapaja_notification.domain.deliveries import DeliveryStatus
from ideapaja_notification.sender import DeliverySender, sender_for
from ideapaja_notification.settings import NotificationSettings
from ideapaja_runtime.routes import current_unit_of_work
from ideapaja_runtime.uow import UnitOfWork

NotificationUow = Annotated[UnitOfWork[NotificationSettings], Depends(current_unit_of_work)]


async def running_sender(request: Request) -> DeliverySender:
    """The process's delivery sender (to wake once a route's work is committed)."""
    return sender_for(request.app.state.runtime)


Sender = Annotated[DeliverySender, Depends(running_sender)]

DeliveryId = Annotated[
    str,
    Path(max_length=64, pattern=r"^[A-Za-z0-9_-]+$", description="The delivery's id"),
]

# ``?status=`` of both delivery lists (e-mail and webhook): one or more statuses, or all.
StatusFilter = Annotated[
    list[DeliveryStatus] | None,
    Query(description="Only deliveries in this status; repeat for several (all if omitted)"),
]
