"""Delivery claims: which sender (replica) holds which delivery, until when.

A sender claims a batch of due deliveries under one token, extends a delivery's lease over the
whole SMTP conversation when it begins sending it (recording that it began), and releases it with
its outcome; only the holder of the token may record that outcome. The statements are here; when
to run them is the sender's (``sender.py``).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ideapaja_notification.db.models import Delivery
from ideapaja_notification.domain.deliveries import DeliveryStatus

_PENDING = Delivery.status == DeliveryStatus.PENDING.value


@dataclass(frozen=True)
class ClaimedDelivery:
    id: str
    token: str
    person_id: str
    channel: str
    template: str
    language: str
    address: str
    subject: str
    body: str
    attempts: int
    cause_event_id: str
    cause_traceparent: str | None
    # The HTML alternative of ``body`` (None: text only).
    html: str | None = None
    # When an earlier sender began sending it and never recorded how that ended (None: never).
    interrupted_attempt_at: datetime | None = None

    @classmethod
    def of(cls, row: Delivery, token: str) -> ClaimedDelivery:
        return cls(
            id=row.id,
            token=token,
            person_id=row.person_id,
            channel=row.channel,
            template=row.template,
            language=row.language,
            address=row.address,
            subject=row.subject,
            body=row.body,
            attempts=row.attempts,
            cause_event_id=row.cause_event_id,
            cause_traceparent=row.cause_traceparent,
            html=row.html or None,
            interrupted_attempt_at=row.attempt_started_at,
        )


def _changed(result: object) -> int:
    return cast(int, getattr(result, "rowcount", 0))


async def claim_due(
    session: AsyncSession,
    *,
    token: str,
    now: datetime,
    lease: timedelta,
    limit: int,
    skip_locked: bool,
) -> list[ClaimedDelivery]:
    """Claim up to ``limit`` due deliveries nobody holds, oldest due first, under ``token``."""
    due = (
        _PENDING,
        Delivery.next_attempt_at <= now,
        or_(Delivery.lease_expires_at.is_(None), Delivery.lease_expires_at <= now),
    )
    query = (
        select(Delivery.id)
        .where(*due)
        .order_by(Delivery.next_attempt_at, Delivery.created_at)
        .limit(limit)
    )
    if skip_locked:
        # Replicas share the table: each due row is claimed by one sender.
        query = query.with_for_update(skip_locked=True)
    ids = list((await session.scalars(query)).all())
    if not ids:
        return []
    await session.execute(
        update(Delivery)
        .where(Delivery.id.in_(ids), *due)
        .values(claim_token=token, lease_expires_at=now + lease)
        .execution_options(synchronize_session=False)
    )
    rows = await session.scalars(
        select(Delivery)
        .where(Delivery.claim_token == token)
        .order_by(Delivery.next_attempt_at, Delivery.created_at)
    )
    return [ClaimedDelivery.of(row, token) for row in rows.all()]


async def begin_attempt(
    session: AsyncSession, delivery: ClaimedDelivery, *, now: datetime, lease: timedelta
) -> bool:
    """Record that sending begins and hold the delivery ``lease`` long; False if not ours."""
    result = await session.execute(
        update(Delivery)
        .where(Delivery.id == delivery.id, Delivery.claim_token == delivery.token, _PENDING)
        .values(attempt_started_at=now, lease_expires_at=now + lease)
        .execution_options(synchronize_session=False)
    )
    return _changed(result) == 1


async def finish(session: AsyncSession, delivery: ClaimedDelivery, **values: object) -> bool:
    """Record an outcome and release the claim, if the claim is still ours (a sender whose lease
    lapsed must not overwrite what the sender that took over recorded)."""
    result = await session.execute(
        update(Delivery)
        .where(Delivery.id == delivery.id, Delivery.claim_token == delivery.token, _PENDING)
        .values(claim_token=None, lease_expires_at=None, attempt_started_at=None, **values)
        .execution_options(synchronize_session=False)
    )
    return _changed(result) == 1


async def release_unbegun(session: AsyncSession, tokens: Collection[str]) -> int:
    """Hand back the deliveries claimed under ``tokens`` whose sending has not begun."""
    result = await session.execute(
        update(Delivery)
        .where(Delivery.claim_token.in_(tokens), _PENDING, Delivery.attempt_started_at.is_(None))
        .values(claim_token=None, lease_expires_at=None)
        .execution_options(synchronize_session=False)
    )
    return _changed(result)


async def held(session: AsyncSession, now: datetime) -> tuple[int, datetime | None]:
    """How many pending deliveries are held by a claim at ``now``, and until when at the latest."""
    count, until = (
        await session.execute(
            select(func.count(), func.max(Delivery.lease_expires_at)).where(
                _PENDING, Delivery.lease_expires_at > now
            )
        )
    ).one()
    return int(count), until
