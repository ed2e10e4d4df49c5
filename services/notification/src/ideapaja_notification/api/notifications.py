"""HTTP API: a person's own notifications, and deliveries for operators."""

from __future__ import annotations

from ideapaja_notification.api.deps import DeliveryId, NotificationUow, Sender, StatusFilter
from ideapaja_notification.authz import POLICY
from ideapaja_notification.schemas import DeliveryPublic, NotificationPublic
from ideapaja_notification.usecases import deliveries
from ideapaja_runtime.pagination import Page, PageParams
from ideapaja_runtime.problems import PROBLEM_SCHEMA
from ideapaja_runtime.routes import service_router

router = service_router()


@router.get(
    "/notifications/me",
    tags=["notifications"],
    summary="My notifications, newest first",
    response_model=Page[NotificationPublic],
    **POLICY.route("notifications.read_own"),
)
async def read_my_notifications(uow: NotificationUow, page: PageParams) -> Page[NotificationPublic]:
    return await deliveries.deliveries_of_person(
        uow, uow.person.person_id, page, NotificationPublic
    )


@router.get(
    "/deliveries",
    tags=["operations"],
    summary="Deliveries by status, newest first (admin)",
    response_model=Page[DeliveryPublic],
    **POLICY.route("deliveries.read"),
)
async def read_deliveries(
    uow: NotificationUow,
    page: PageParams,
    status: StatusFilter = None,
) -> Page[DeliveryPublic]:
    return await deliveries.deliveries_by_status(uow, status or [], page, DeliveryPublic)


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
