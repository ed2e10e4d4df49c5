"""HTTP API: webhook endpoints, their delivery logs and redeliveries (admins)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request, Response

from ideapaja_notification.api.deps import NotificationUow, StatusFilter
from ideapaja_notification.authz import POLICY
from ideapaja_notification.usecases import webhook_deliveries, webhooks
from ideapaja_notification.webhook_schemas import (
    WebhookCreate,
    WebhookDeliveryPublic,
    WebhookPublic,
    WebhookUpdate,
    WebhookWithSecret,
)
from ideapaja_notification.webhook_sender import WebhookSender, webhook_sender_for
from ideapaja_runtime.deps import id_path
from ideapaja_runtime.pagination import Page, PageParams
from ideapaja_runtime.problems import PROBLEM_SCHEMA
from ideapaja_runtime.routes import service_router

router = service_router(prefix="/webhooks", tags=["webhooks"])

EndpointId = Annotated[str, id_path("The webhook endpoint's id", examples=["wh-does-not-exist"])]
WebhookDeliveryId = Annotated[
    str,
    id_path(
        "The delivery's id (its webhook-id header)",
        examples=["00000000-0000-5000-8000-000000000000"],
    ),
]
Responses = dict[int | str, dict[str, Any]]
NOT_FOUND: Responses = {404: PROBLEM_SCHEMA}
REFUSED: Responses = {422: PROBLEM_SCHEMA}


async def running_webhook_sender(request: Request) -> WebhookSender:
    """The process's webhook sender (to wake once a redelivery is committed)."""
    return webhook_sender_for(request.app.state.runtime)


Sender = Annotated[WebhookSender, Depends(running_webhook_sender)]


@router.post(
    "",
    summary="Register a webhook endpoint; its signing secret is shown only now (admin)",
    status_code=201,
    response_model=WebhookWithSecret,
    responses=REFUSED,
    **POLICY.route("webhooks.manage"),
)
async def register_webhook(body: WebhookCreate, uow: NotificationUow) -> WebhookWithSecret:
    endpoint = await webhooks.register(
        uow,
        url=body.url,
        event_types=body.event_types,
        description=body.description,
        enabled=body.enabled,
    )
    return WebhookWithSecret.model_validate(endpoint)


@router.get(
    "",
    summary="Webhook endpoints, newest first (admin)",
    response_model=Page[WebhookPublic],
    **POLICY.route("webhooks.read"),
)
async def read_webhooks(uow: NotificationUow, page: PageParams) -> Page[WebhookPublic]:
    return await webhooks.endpoints(uow, page, WebhookPublic)


@router.get(
    "/{endpoint_id}",
    summary="A webhook endpoint (admin)",
    response_model=WebhookPublic,
    responses=NOT_FOUND,
    **POLICY.route("webhooks.read"),
)
async def read_webhook(endpoint_id: EndpointId, uow: NotificationUow) -> WebhookPublic:
    return WebhookPublic.model_validate(await webhooks.endpoint_of(uow, endpoint_id))


@router.patch(
    "/{endpoint_id}",
    summary="Change a webhook endpoint: URL, event types, description, enabled (admin)",
    response_model=WebhookPublic,
    responses=NOT_FOUND | REFUSED,
    **POLICY.route("webhooks.manage"),
)
async def change_webhook(
    endpoint_id: EndpointId, body: WebhookUpdate, uow: NotificationUow, sender: Sender
) -> WebhookPublic:
    endpoint = await webhooks.update(uow, endpoint_id, body.model_dump(exclude_unset=True))
    uow.after_commit(sender.wake)  # resumed: what waited goes out now
    return WebhookPublic.model_validate(endpoint)


@router.delete(
    "/{endpoint_id}",
    summary="Remove a webhook endpoint and its delivery log (admin)",
    status_code=204,
    response_class=Response,
    responses=NOT_FOUND,
    **POLICY.route("webhooks.manage"),
)
async def remove_webhook(endpoint_id: EndpointId, uow: NotificationUow) -> Response:
    await webhooks.remove(uow, endpoint_id)
    return Response(status_code=204)


@router.post(
    "/{endpoint_id}/secret/rotation",
    summary="Rotate the signing secret; the old one signs beside it for the overlap (admin)",
    response_model=WebhookWithSecret,
    responses=NOT_FOUND,
    **POLICY.route("webhooks.manage"),
)
async def rotate_webhook_secret(endpoint_id: EndpointId, uow: NotificationUow) -> WebhookWithSecret:
    return WebhookWithSecret.model_validate(await webhooks.rotate_secret(uow, endpoint_id))


@router.get(
    "/{endpoint_id}/deliveries",
    summary="A webhook endpoint's delivery log, newest first (admin)",
    response_model=Page[WebhookDeliveryPublic],
    responses=NOT_FOUND,
    **POLICY.route("webhooks.read"),
)
async def read_webhook_deliveries(
    endpoint_id: EndpointId,
    uow: NotificationUow,
    page: PageParams,
    status: StatusFilter = None,
) -> Page[WebhookDeliveryPublic]:
    await webhooks.endpoint_of(uow, endpoint_id)
    return await webhook_deliveries.deliveries_of(
        uow, endpoint_id, status or [], page, WebhookDeliveryPublic
    )


@router.post(
    "/{endpoint_id}/deliveries/{delivery_id}/redelivery",
    summary="Send a delivery again, with the same webhook-id (admin)",
    status_code=202,
    response_model=WebhookDeliveryPublic,
    responses=NOT_FOUND | {409: PROBLEM_SCHEMA},
    **POLICY.route("webhooks.redeliver"),
)
async def redeliver_webhook(
    endpoint_id: EndpointId, delivery_id: WebhookDeliveryId, uow: NotificationUow, sender: Sender
) -> WebhookDeliveryPublic:
    delivery = await webhook_deliveries.redeliver(uow, endpoint_id, delivery_id)
    uow.after_commit(sender.wake)
    return WebhookDeliveryPublic.model_validate(delivery)
