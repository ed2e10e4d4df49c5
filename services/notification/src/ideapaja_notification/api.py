"""HTTP API: a person's own notifications, and the operators' view of deliveries."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, ConfigDict

from ideapaja_contracts.events.notification import NotificationChannel
from ideapaja_notification.authz import POLICY
from ideapaja_notification.db.models import Delivery
from ideapaja_notification.deliveries import (
    NotRequeueable,
    as_utc,
    deliveries_by_status,
    deliveries_of_person,
    requeue,
)
from ideapaja_notification.domain.deliveries import DeliveryStatus
from ideapaja_notification.sender import sender_for
from ideapaja_runtime.auth import Principal
from ideapaja_runtime.deps import RuntimeDep
from ideapaja_runtime.problems import PROBLEM_SCHEMA, Problem

router = APIRouter()

DeliveryId = Annotated[str, Path(max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
Limit = Annotated[int, Query(ge=1, le=200, description="Page size")]
Offset = Annotated[int, Query(ge=0, le=100_000, description="Rows to skip")]


class MyNotification(BaseModel):
    """A message sent (or being sent) to the caller."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    template: str
    channel: NotificationChannel
    status: DeliveryStatus
    language: str
    subject: str
    created_at: datetime
    sent_at: datetime | None


class DeliveryView(BaseModel):
    """A delivery as operators see it: who, what, how it went (no address or message text)."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    person_id: str
    template: str
    channel: NotificationChannel
    status: DeliveryStatus
    cause_event_id: str
    cause_event_type: str
    attempts: int
    last_error: str | None
    next_attempt_at: datetime
    created_at: datetime
    sent_at: datetime | None
    failed_at: datetime | None


def _my_view(row: Delivery) -> MyNotification:
    view = MyNotification.model_validate(row)
    return view.model_copy(
        update={"created_at": as_utc(view.created_at), "sent_at": as_utc(view.sent_at)}
    )


def _admin_view(row: Delivery) -> DeliveryView:
    view = DeliveryView.model_validate(row)
    return view.model_copy(
        update={
            field: as_utc(getattr(view, field))
            for field in ("next_attempt_at", "created_at", "sent_at", "failed_at")
        }
    )


@router.get(
    "/notifications/me",
    tags=["notifications"],
    summary="My notifications, newest first",
    response_model=list[MyNotification],
    **POLICY.route("notifications.read_own"),
)
async def read_my_notifications(
    runtime: RuntimeDep,
    principal: Annotated[Principal, POLICY.require("notifications.read_own")],
    limit: Limit = 50,
    offset: Offset = 0,
) -> list[MyNotification]:
    async with runtime.db.transaction() as session:
        rows = await deliveries_of_person(session, principal.person_id, limit=limit, offset=offset)
        return [_my_view(row) for row in rows]


@router.get(
    "/deliveries",
    tags=["operations"],
    summary="Deliveries by status, newest first (admin)",
    response_model=list[DeliveryView],
    **POLICY.route("deliveries.read"),
)
async def read_deliveries(
    runtime: RuntimeDep,
    principal: Annotated[Principal, POLICY.require("deliveries.read")],
    status: Annotated[DeliveryStatus | None, Query(description="Only this status")] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> list[DeliveryView]:
    async with runtime.db.transaction() as session:
        rows = await deliveries_by_status(session, status, limit=limit, offset=offset)
        return [_admin_view(row) for row in rows]


@router.post(
    "/deliveries/{delivery_id}/retry",
    tags=["operations"],
    summary="Queue a failed delivery again (admin)",
    status_code=202,
    response_model=DeliveryView,
    responses={404: PROBLEM_SCHEMA, 409: PROBLEM_SCHEMA},
    **POLICY.route("deliveries.retry"),
)
async def retry_delivery(
    delivery_id: DeliveryId,
    runtime: RuntimeDep,
    principal: Annotated[Principal, POLICY.require("deliveries.retry")],
) -> DeliveryView:
    try:
        async with runtime.db.transaction() as session:
            delivery = await requeue(session, delivery_id)
            if delivery is None:
                raise Problem(404, "Delivery not found", f"No delivery {delivery_id}.")
            view = _admin_view(delivery)
    except NotRequeueable as exc:
        raise Problem(
            409, "Delivery cannot be retried", str(exc), status_now=exc.status.value
        ) from exc
    sender_for(runtime).wake()
    return view
