"""Webhook deliveries: queueing an event for the endpoints that want it, the delivery log,
an admin's redelivery, and keeping the payloads (which name people) only as long as needed."""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar, cast

from pydantic import BaseModel
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ideapaja_contracts import Envelope, Event
from ideapaja_contracts.events.privacy import ErasureRequested
from ideapaja_notification.db.webhook_models import WebhookDelivery, WebhookEndpoint
from ideapaja_notification.domain.deliveries import DeliveryStatus, cause_key
from ideapaja_notification.domain.webhooks import webhook_delivery_id
from ideapaja_notification.errors import NotRedeliverable, WebhookDeliveryNotFound
from ideapaja_notification.settings import NotificationSettings
from ideapaja_notification.usecases.pages import in_statuses, newest_first
from ideapaja_runtime.db import Database
from ideapaja_runtime.logging import get_logger
from ideapaja_runtime.messaging import HandlerContext
from ideapaja_runtime.pagination import Page, PageRequest
from ideapaja_runtime.periodic import start_periodic, stop_periodic
from ideapaja_runtime.service import Runtime
from ideapaja_runtime.uow import UnitOfWork

log = get_logger(__name__)

P = TypeVar("P", bound=BaseModel)

ERASED_PAYLOAD = "not sent: a person it names was erased"
_PENDING = DeliveryStatus.PENDING.value


def cloudevent_json(envelope: Envelope, event: Event) -> str:
    """The body sent: the event in CloudEvents' JSON format (its attributes and ``data``)."""
    document: dict[str, Any] = {
        "specversion": "1.0",
        "id": envelope.id,
        "source": envelope.source,
        "type": envelope.type,
        "time": envelope.time.isoformat().replace("+00:00", "Z"),
        "datacontenttype": "application/json",
    }
    if envelope.subject is not None:
        document["subject"] = envelope.subject
    if envelope.traceparent:
        document["traceparent"] = envelope.traceparent
    document["data"] = event.model_dump(mode="json")
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"))


# Asked for every lifecycle event, most often to find no endpoint: one statement built once, read
# as plain rows (an ORM query built and loaded endpoints for each).
_ENDPOINTS = WebhookEndpoint.__table__
_ENDPOINT_TYPES = select(_ENDPOINTS.c.id, _ENDPOINTS.c.event_types)


async def wanted_event_types(db: Database) -> frozenset[str]:
    """The event types some endpoint wants now, paused ones included (their deliveries wait):
    asked before each batch the webhooks consumer fetches, so an event no endpoint wants (most
    of them, and all where no endpoint is registered) costs this read and its ack, not a write
    transaction with an inbox row and a commit. Read without the write lock."""
    async with db.reading() as connection:
        rows = (await connection.execute(_ENDPOINT_TYPES)).all()
    return frozenset(event_type for row in rows for event_type in row.event_types)


async def on_event(event: Event, ctx: HandlerContext) -> bool:
    """Queue ``event`` for every endpoint that wants its type, once per endpoint (a redelivered
    or replayed event finds its rows); whether any delivery was queued. A paused (disabled)
    endpoint's deliveries wait, and go out when it is enabled again."""
    envelope = ctx.envelope
    session = ctx.session
    wanted = [
        endpoint
        for endpoint in (await session.execute(_ENDPOINT_TYPES)).all()
        if envelope.type in endpoint.event_types
    ]
    if not wanted:
        return False
    event_id = cause_key(envelope.id)
    payload = cloudevent_json(envelope, event)
    now = ctx.now
    queued = False
    for endpoint in wanted:
        delivery_id = webhook_delivery_id(event_id, endpoint.id)
        if await session.get(WebhookDelivery, delivery_id) is not None:
            continue
        queued = True
        session.add(
            WebhookDelivery(
                id=delivery_id,
                endpoint_id=endpoint.id,
                event_id=event_id,
                event_type=envelope.type[:255],
                payload=payload,
                status=_PENDING,
                attempts=0,
                redeliveries=0,
                next_attempt_at=now,
                created_at=now,
            )
        )
    await session.flush()
    return queued


async def deliveries_of(
    uow: UnitOfWork[Any],
    endpoint_id: str,
    statuses: Collection[DeliveryStatus],
    page: PageRequest,
    public: type[P],
) -> Page[P]:
    """A page of the endpoint's deliveries (in ``statuses``, all if none), newest first."""
    query = select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint_id)
    query = in_statuses(query, WebhookDelivery, statuses)
    return await newest_first(uow, query, WebhookDelivery, page, public)


async def redeliver(uow: UnitOfWork[Any], endpoint_id: str, delivery_id: str) -> WebhookDelivery:
    """Queue a sent or failed delivery again, at once, with a fresh attempt budget. It goes out
    with the same ``webhook-id`` and body (a receiver that already has it knows it is the same
    event); a pending one is already queued."""
    delivery = await uow.session.get(WebhookDelivery, delivery_id, with_for_update=True)
    if delivery is None or delivery.endpoint_id != endpoint_id:
        raise WebhookDeliveryNotFound(delivery_id)
    if delivery.status == _PENDING:
        raise NotRedeliverable("the delivery is still queued", delivery.status)
    if delivery.payload_purged_at is not None or not delivery.payload:
        raise NotRedeliverable(
            "its payload was purged (retention or a person's erasure)", delivery.status
        )
    delivery.status = _PENDING
    delivery.attempts = 0
    delivery.redeliveries += 1
    delivery.next_attempt_at = uow.now
    delivery.failed_at = None
    delivery.claim_token = None
    delivery.lease_expires_at = None
    await uow.session.flush()
    log.info("webhook_redelivery_queued", delivery_id=delivery_id, endpoint_id=endpoint_id)
    return delivery


# --- Personal data in payloads -------------------------------------------------------------------


async def erase_person(session: AsyncSession, person_id: str, now: datetime) -> int:
    """Blank every payload that names ``person_id`` (pending ones are not sent: failed with the
    reason). The erasure event itself is kept: telling integrations to erase the person too is
    what it is for. Returns how many payloads were blanked."""
    names_them = (
        WebhookDelivery.payload.contains(f'"{person_id}"', autoescape=True),
        WebhookDelivery.event_type != ErasureRequested.event_type(),
    )
    await session.execute(
        update(WebhookDelivery)
        .where(*names_them, WebhookDelivery.status == _PENDING)
        .values(
            status=DeliveryStatus.FAILED.value,
            failed_at=now,
            last_error=ERASED_PAYLOAD,
            claim_token=None,
            lease_expires_at=None,
        )
        .execution_options(synchronize_session=False)
    )
    result = await session.execute(
        update(WebhookDelivery)
        .where(*names_them)
        .values(payload="", payload_purged_at=now)
        .execution_options(synchronize_session=False)
    )
    return cast(int, getattr(result, "rowcount", 0))


@dataclass(frozen=True)
class PayloadPurge:
    purged: int
    cutoff: datetime


async def purge_payloads_before(session: AsyncSession, cutoff: datetime, now: datetime) -> int:
    """Blank the payloads of concluded deliveries queued before ``cutoff``; how many."""
    result = await session.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.created_at < cutoff,
            WebhookDelivery.status != _PENDING,
            WebhookDelivery.payload_purged_at.is_(None),
        )
        .values(payload="", payload_purged_at=now)
        .execution_options(synchronize_session=False)
    )
    return cast(int, getattr(result, "rowcount", 0))


async def purge_payloads(runtime: Runtime[NotificationSettings]) -> PayloadPurge:
    """Blank the payloads of concluded deliveries older than ``WEBHOOK_PAYLOAD_RETENTION_DAYS``
    (the rows stay: the log, and the key that keeps a replayed event from going out twice; a
    pending one keeps its payload until it is sent or given up)."""
    now = runtime.clock()
    cutoff = now - timedelta(days=runtime.settings.webhook_payload_retention_days)
    async with runtime.unit_of_work() as uow:
        purged = await purge_payloads_before(uow.session, cutoff, now)
    if purged:
        log.info("webhook_payloads_purged", purged=purged, cutoff=cutoff.isoformat())
    return PayloadPurge(purged, cutoff)


PURGE = "notification-webhook-payload-purge"


def start_purge(runtime: Runtime[NotificationSettings]) -> None:
    """The purge at start and then as often as the inbox's (``INBOX_PURGE_SECONDS``; 0 never)."""

    async def run_once() -> PayloadPurge:
        return await purge_payloads(runtime)

    start_periodic(runtime, PURGE, run_once, runtime.settings.inbox_purge_seconds)


async def stop_purge(runtime: Runtime[NotificationSettings]) -> None:
    await stop_periodic(runtime, PURGE)
