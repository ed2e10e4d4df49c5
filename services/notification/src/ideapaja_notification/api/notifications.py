"""HTTP API: a person's own notifications, and deliveries for operators."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from ideapaja_notification.api.deps import DeliveryId, Limit, NotificationUow, Offset, Sender
from ideapaja_notification.authz import POLICY
from ideapaja_notification.domain.deliveries import DeliveryStatus
from ideapaja_notification.schemas import DeliveryPublic, NotificationPublic
from ideapaja_notification.usecases import deliveries
from ideapaja_runtime.problems import PROBLEM_SCHEMA
from ideapaja_runtime.routes import service_router

router = service_router()


@router.get(
    "/notifications/me",
    tags=["notifications"],
    summary="My notifications, newest first",
    response_model=list[NotificationPublic],
    **POLICY.route("notifications.read_own"),
)
async def read_my_notifications(
    uow: NotificationUow, limit: Limit = 50, offset: Offset = 0
) -> list[NotificationPublic]:
    rows = await deliveries.deliveries_of_person(
        uow, uow.person.person_id, limit=limit, offset=offset
    )
    return [NotificationPublic.model_validate(row) for row in rows]


@router.get(
    "/deliveries",
    tags=["operations"],
    summary="Deliveries by status, newest first (admin)",
    response_model=list[DeliveryPublic],
    **POLICY.route("deliveries.read"),
)
async def read_deliveries(
    uow: NotificationUow,
    status: Annotated[DeliveryStatus | None, Query(description="Only this status")] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> list[DeliveryPublic]:
    rows = await deliveries.deliveries_by_status(uow, status, limit=limit, offset=offset)
    return [DeliveryPublic.model_validate(row) for row in rows]


@router.post(
    "/deliveries/{delivery_id}/retry",
    tags=["operations"],
    summary="Queue a failed delivery again (admin)",
    status_code=202,
    response_model=DeliveryPublic,
    responses={404: PROBLEM_SCHEMA, 409: PROBLEM_SCHEMA},
    **POLICY.route("deliveries.retry"),
)
async def retry_delivery(
    delivery_id: DeliveryId, uow: NotificationUow, sender: Sender
) -> DeliveryPublic:
    delivery = DeliveryPublic.model_validate(await deliveries.retry(uow, delivery_id))
    uow.after_commit(sender.wake)
    return delivery
