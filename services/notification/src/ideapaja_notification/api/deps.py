"""What the notification service's routes share: the typed unit of work, the delivery sender,
and path parameters."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Request

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
