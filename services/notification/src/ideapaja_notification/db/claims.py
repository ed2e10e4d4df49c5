"""E-mail delivery claims: which due deliveries a sender takes, and what it reads of them.

The claim protocol (tokens, leases, holders that die, attempts, outcomes) is shared with
webhooks: ``db/claiming.py``; when to run the statements is the worker's (``delivery_worker.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ideapaja_notification.db import claiming
from ideapaja_notification.db.claiming import ClaimRequest, Holding
from ideapaja_notification.db.models import Delivery


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


_CLAIM_ORDER = (Delivery.priority, Delivery.next_attempt_at, Delivery.created_at)


async def claim_due(
    session: AsyncSession, request: ClaimRequest, limit: int
) -> tuple[list[ClaimedDelivery], list[Holding]]:
    """Claim up to ``limit`` due deliveries nobody holds, most urgent first (``Priority``), then
    oldest due; also the dead senders some were taken over from."""
    query = (
        select(Delivery.id)
        .where(*claiming.due(Delivery, request.now, request.holder))
        .order_by(*_CLAIM_ORDER)
        .limit(limit)
    )
    if request.skip_locked:
        # Replicas share the table: each due row is claimed by one sender.
        query = query.with_for_update(skip_locked=True)
    ids = list((await session.scalars(query)).all())
    if not ids:
        return [], []
    taken_over = await claiming.take(session, Delivery, ids, request)
    rows = await session.scalars(
        select(Delivery).where(Delivery.claim_token == request.token).order_by(*_CLAIM_ORDER)
    )
    return [ClaimedDelivery.of(row, request.token) for row in rows.all()], taken_over
