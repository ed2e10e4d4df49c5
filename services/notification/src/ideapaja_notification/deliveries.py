"""Reading and writing deliveries inside a caller's transaction (handlers, API, sender)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ideapaja_contracts import Envelope
from ideapaja_contracts.events.notification import NotificationChannel
from ideapaja_notification.db.models import Contact, Delivery
from ideapaja_notification.domain.deliveries import (
    DeliveryStatus,
    can_requeue,
    cause_key,
    delivery_id,
)
from ideapaja_notification.domain.notices import Notice

_TRACEPARENT_MAX = 55


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime | None) -> datetime | None:
    """SQLite hands timestamps back without a zone; they were written in UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


async def queue_delivery(
    session: AsyncSession,
    cause: Envelope,
    notice: Notice,
    channel: NotificationChannel = NotificationChannel.EMAIL,
    *,
    idea_id: str | None = None,
) -> bool:
    """Store a pending delivery of ``notice`` (about ``idea_id``, if about an idea); False if
    this event already queued it.

    The id is derived from (cause event, person, template), so a second run of the same event
    (a replay after the inbox was pruned, a racing replica) finds the row instead of adding a
    copy; the unique constraint backs this up at commit.
    """
    cause_id = cause_key(cause.id)
    new_id = delivery_id(cause_id, notice.person_id, notice.template)
    if await session.get(Delivery, new_id) is not None:
        return False
    now = utcnow()
    traceparent = cause.traceparent
    session.add(
        Delivery(
            id=new_id,
            cause_event_id=cause_id,
            cause_event_type=cause.type[:255],
            cause_traceparent=(
                traceparent if traceparent and len(traceparent) <= _TRACEPARENT_MAX else None
            ),
            person_id=notice.person_id,
            idea_id=idea_id,
            channel=channel.value,
            template=notice.template.value,
            language=notice.language,
            address=notice.address,
            subject=notice.subject[:500],
            body=notice.body,
            status=DeliveryStatus.PENDING.value,
            attempts=0,
            next_attempt_at=now,
            created_at=now,
        )
    )
    await session.flush()
    return True


async def deliveries_of_person(
    session: AsyncSession, person_id: str, *, limit: int, offset: int
) -> Sequence[Delivery]:
    result = await session.scalars(
        select(Delivery)
        .where(Delivery.person_id == person_id)
        .order_by(Delivery.created_at.desc(), Delivery.id)
        .limit(limit)
        .offset(offset)
    )
    return result.all()


async def deliveries_by_status(
    session: AsyncSession, status: DeliveryStatus | None, *, limit: int, offset: int
) -> Sequence[Delivery]:
    query = select(Delivery)
    if status is not None:
        query = query.where(Delivery.status == status.value)
    result = await session.scalars(
        query.order_by(Delivery.created_at.desc(), Delivery.id).limit(limit).offset(offset)
    )
    return result.all()


class NotRequeueable(Exception):
    def __init__(self, status: DeliveryStatus, reason: str | None = None) -> None:
        super().__init__(
            reason or f"the delivery is {status.value}; only failed deliveries can be retried"
        )
        self.status = status


async def requeue(session: AsyncSession, delivery_id_: str) -> Delivery | None:
    """Queue a failed delivery again with a fresh attempt budget; None if there is none.

    The address is refreshed from HR's latest data: a wrong address is a common reason to fail.
    """
    delivery = await session.get(Delivery, delivery_id_, with_for_update=True)
    if delivery is None:
        return None
    status = DeliveryStatus(delivery.status)
    if not can_requeue(status):
        raise NotRequeueable(status)
    contact = await session.get(Contact, delivery.person_id)
    if contact is not None and contact.erased_at is not None:
        raise NotRequeueable(status, "the recipient's personal data was erased")
    if contact is not None and contact.left_on is None:
        delivery.address = contact.email
    delivery.status = DeliveryStatus.PENDING.value
    delivery.attempts = 0
    delivery.next_attempt_at = utcnow()
    delivery.failed_at = None
    delivery.claim_token = None
    delivery.lease_expires_at = None
    await session.flush()
    return delivery
