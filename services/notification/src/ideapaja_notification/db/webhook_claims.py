"""Webhook delivery claims: which sender (replica) holds which delivery, until when.

The same protocol as e-mail (``db/claiming.py``: a token, a lease, a holder that must live, an
attempt recorded before the request, the outcome recorded only while the claim is ours). One
difference: deliveries are claimed per endpoint, a few in order,
and none for an endpoint that has some in hand: one request per endpoint is in flight at a
time, so an endpoint that hangs holds one request slot, never the whole sender.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from ideapaja_notification.db import claiming
from ideapaja_notification.db.claiming import ClaimRequest, Holder, Holding
from ideapaja_notification.db.webhook_models import WebhookDelivery, WebhookEndpoint

# Due deliveries of one endpoint claimed together (sent one after another by one request
# slot): a busy endpoint costs one claim per this many events, not one each.
PER_ENDPOINT = 10


@dataclass(frozen=True)
class ClaimedWebhook:
    id: str
    token: str
    endpoint_id: str
    url: str
    secret: str
    previous_secret: str | None
    previous_secret_expires_at: datetime | None
    event_id: str
    event_type: str
    payload: str
    attempts: int
    # When an earlier sender began sending it and never recorded how that ended (None: never).
    interrupted_attempt_at: datetime | None = None


def _due(now: datetime, holder: Holder) -> tuple[ColumnElement[bool], ...]:
    return (*claiming.due(WebhookDelivery, now, holder), WebhookDelivery.payload != "")


async def claim_due(
    session: AsyncSession, request: ClaimRequest, limit: int
) -> tuple[list[list[ClaimedWebhook]], list[Holding]]:
    """Claim due deliveries to enabled endpoints for up to ``limit`` endpoints (none that has
    one in hand), up to ``PER_ENDPOINT`` each, oldest due first; grouped by endpoint. Also the
    dead senders some were taken over from."""
    now, holder, token = request.now, request.holder, request.token
    in_hand = select(WebhookDelivery.endpoint_id).where(
        claiming.pending(WebhookDelivery), claiming.held(WebhookDelivery, now, holder)
    )
    query = (
        select(WebhookDelivery.id, WebhookDelivery.endpoint_id)
        .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
        .where(
            *_due(now, holder),
            WebhookEndpoint.enabled.is_(True),
            WebhookDelivery.endpoint_id.not_in(in_hand),
        )
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.created_at)
        .limit(limit * PER_ENDPOINT)
    )
    if request.skip_locked:
        query = query.with_for_update(skip_locked=True, of=WebhookDelivery)
    chosen: dict[str, list[str]] = {}
    for delivery_id, endpoint_id in (await session.execute(query)).all():
        ids = chosen.get(endpoint_id)
        if ids is None and len(chosen) < limit:
            ids = chosen[endpoint_id] = []
        if ids is not None and len(ids) < PER_ENDPOINT:
            ids.append(delivery_id)
    if not chosen:
        return [], []
    taken_over = await claiming.take(
        session,
        WebhookDelivery,
        [i for ids in chosen.values() for i in ids],
        request,
        also=[WebhookDelivery.payload != ""],
    )
    rows = await session.execute(
        select(WebhookDelivery, WebhookEndpoint)
        .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
        .where(WebhookDelivery.claim_token == token)
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.created_at)
    )
    groups: dict[str, list[ClaimedWebhook]] = {}
    for delivery, endpoint in rows.all():
        groups.setdefault(endpoint.id, []).append(_claimed(delivery, endpoint, token))
    return list(groups.values()), taken_over


def _claimed(delivery: WebhookDelivery, endpoint: WebhookEndpoint, token: str) -> ClaimedWebhook:
    return ClaimedWebhook(
        id=delivery.id,
        token=token,
        endpoint_id=endpoint.id,
        url=endpoint.url,
        secret=endpoint.secret,
        previous_secret=endpoint.previous_secret,
        previous_secret_expires_at=endpoint.previous_secret_expires_at,
        event_id=delivery.event_id,
        event_type=delivery.event_type,
        payload=delivery.payload,
        attempts=delivery.attempts,
        interrupted_attempt_at=delivery.attempt_started_at,
    )
