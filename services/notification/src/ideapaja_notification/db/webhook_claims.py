"""Webhook delivery claims: which sender (replica) holds which delivery, until when.

The same protocol as e-mail (``db/claims.py``): claim due rows under a token with a lease, record
that an attempt begins and hold the row over the whole request, record the outcome only while
the claim is still ours. One difference: deliveries are claimed per endpoint, a few in order,
and none for an endpoint that has some in hand: one request per endpoint is in flight at a
time, so an endpoint that hangs holds one request slot, never the whole sender.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import ColumnElement, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ideapaja_notification.db.webhook_models import WebhookDelivery, WebhookEndpoint
from ideapaja_notification.domain.deliveries import DeliveryStatus

_PENDING = WebhookDelivery.status == DeliveryStatus.PENDING.value
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


def _changed(result: object) -> int:
    return cast(int, getattr(result, "rowcount", 0))


def _due(now: datetime) -> tuple[ColumnElement[bool], ...]:
    return (
        _PENDING,
        WebhookDelivery.next_attempt_at <= now,
        or_(WebhookDelivery.lease_expires_at.is_(None), WebhookDelivery.lease_expires_at <= now),
        WebhookDelivery.payload != "",
    )


async def claim_due(
    session: AsyncSession,
    *,
    token: str,
    now: datetime,
    lease: timedelta,
    limit: int,
    skip_locked: bool,
) -> list[list[ClaimedWebhook]]:
    """Claim due deliveries to enabled endpoints for up to ``limit`` endpoints (none that has
    one in hand), up to ``PER_ENDPOINT`` each, oldest due first; grouped by endpoint."""
    in_hand = select(WebhookDelivery.endpoint_id).where(
        _PENDING, WebhookDelivery.lease_expires_at > now
    )
    query = (
        select(WebhookDelivery.id, WebhookDelivery.endpoint_id)
        .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
        .where(
            *_due(now),
            WebhookEndpoint.enabled.is_(True),
            WebhookDelivery.endpoint_id.not_in(in_hand),
        )
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.created_at)
        .limit(limit * PER_ENDPOINT)
    )
    if skip_locked:
        query = query.with_for_update(skip_locked=True, of=WebhookDelivery)
    chosen: dict[str, list[str]] = {}
    for delivery_id, endpoint_id in (await session.execute(query)).all():
        ids = chosen.get(endpoint_id)
        if ids is None and len(chosen) < limit:
            ids = chosen[endpoint_id] = []
        if ids is not None and len(ids) < PER_ENDPOINT:
            ids.append(delivery_id)
    if not chosen:
        return []
    await session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id.in_([i for ids in chosen.values() for i in ids]), *_due(now))
        .values(claim_token=token, lease_expires_at=now + lease)
        .execution_options(synchronize_session=False)
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
    return list(groups.values())


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


def _ours(delivery: ClaimedWebhook) -> tuple[ColumnElement[bool], ...]:
    return (
        WebhookDelivery.id == delivery.id,
        WebhookDelivery.claim_token == delivery.token,
        _PENDING,
    )


async def begin_attempt(
    session: AsyncSession, delivery: ClaimedWebhook, *, now: datetime, lease: timedelta
) -> bool:
    """Record that the request begins and hold the delivery ``lease`` long; False if not ours."""
    result = await session.execute(
        update(WebhookDelivery)
        .where(*_ours(delivery))
        .values(attempt_started_at=now, last_attempt_at=now, lease_expires_at=now + lease)
        .execution_options(synchronize_session=False)
    )
    return _changed(result) == 1


async def finish(session: AsyncSession, delivery: ClaimedWebhook, **values: object) -> bool:
    """Record an outcome and release the claim, if the claim is still ours."""
    result = await session.execute(
        update(WebhookDelivery)
        .where(*_ours(delivery))
        .values(claim_token=None, lease_expires_at=None, attempt_started_at=None, **values)
        .execution_options(synchronize_session=False)
    )
    return _changed(result) == 1


async def release_unbegun(
    session: AsyncSession, tokens: Collection[str], ids: Collection[str] | None = None
) -> int:
    """Hand back the deliveries claimed under ``tokens`` (only ``ids``, if given) whose
    request has not begun."""
    query = update(WebhookDelivery).where(
        WebhookDelivery.claim_token.in_(tokens),
        _PENDING,
        WebhookDelivery.attempt_started_at.is_(None),
    )
    if ids is not None:
        query = query.where(WebhookDelivery.id.in_(ids))
    result = await session.execute(
        query.values(claim_token=None, lease_expires_at=None).execution_options(
            synchronize_session=False
        )
    )
    return _changed(result)
