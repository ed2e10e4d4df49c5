"""Deliveries: queueing one (for a notice), reading them, and queueing a failed one again."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any, TypeVar

from pydantic import BaseModel
from sqlalchemy import Select, select

from ideapaja_contracts import Envelope
from ideapaja_contracts.events.notification import NotificationChannel
from ideapaja_notification.db.models import Contact, Delivery
from ideapaja_notification.domain.deliveries import (
    DeliveryStatus,
    can_requeue,
    cause_key,
    delivery_id,
    priority_of,
)
from ideapaja_notification.domain.notices import Draft, Notice
from ideapaja_notification.domain.preferences import DIGESTS, Frequency
from ideapaja_notification.errors import DeliveryNotFound, NotRequeueable
from ideapaja_notification.messages import render_draft
from ideapaja_notification.usecases import inbox
from ideapaja_notification.usecases.digest_items import add_digest_item
from ideapaja_notification.usecases.pages import in_statuses, newest_first
from ideapaja_notification.usecases.preferences import frequency_for
from ideapaja_runtime.db import insert_unless_present
from ideapaja_runtime.pagination import Page, PageRequest
from ideapaja_runtime.uow import UnitOfWork

_TRACEPARENT_MAX = 55

P = TypeVar("P", bound=BaseModel)


async def tell(uow: UnitOfWork[Any], cause: Envelope, draft: Draft, *, idea_id: str | None) -> None:
    """Tell a person ``draft``, written in their language: an item in their in-app inbox and,
    as their preferences say, an e-mail now, a line in their next digest, or nothing (each once
    per event, however often it is delivered)."""
    notice = render_draft(draft)
    await inbox.add_item(uow, cause, notice, idea_id=idea_id)
    frequency = await frequency_for(uow, notice.person_id, notice.template, draft.recipient.roles)
    if frequency is Frequency.IMMEDIATELY:
        await queue_delivery(uow, cause, notice, idea_id=idea_id)
    elif frequency in DIGESTS:
        await add_digest_item(uow, cause, notice, frequency, idea_id=idea_id)


async def queue_delivery(
    uow: UnitOfWork[Any],
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
    now = uow.now
    traceparent = cause.traceparent
    return await insert_unless_present(
        uow.session,
        Delivery.__table__,
        {
            "id": new_id,
            "cause_event_id": cause_id,
            "cause_event_type": cause.type[:255],
            "cause_traceparent": (
                traceparent if traceparent and len(traceparent) <= _TRACEPARENT_MAX else None
            ),
            "person_id": notice.person_id,
            "idea_id": idea_id,
            "channel": channel.value,
            "template": notice.template.value,
            "language": notice.language,
            "address": notice.address,
            "subject": notice.subject[:500],
            "body": notice.body,
            "html": notice.html,
            "status": DeliveryStatus.PENDING.value,
            "attempts": 0,
            "next_attempt_at": now,
            "priority": priority_of(notice.template),
            "created_at": now,
        },
    )


async def deliveries_of_person(
    uow: UnitOfWork[Any], person_id: str, page: PageRequest, public: type[P]
) -> Page[P]:
    """A page of the messages to ``person_id``, newest first, as ``public``."""
    query = select(Delivery).where(Delivery.person_id == person_id)
    return await _newest_first(uow, query, page, public)


async def deliveries_by_status(
    uow: UnitOfWork[Any], statuses: Collection[DeliveryStatus], page: PageRequest, public: type[P]
) -> Page[P]:
    """A page of the deliveries in any of ``statuses`` (all if none), newest first."""
    return await _newest_first(uow, in_statuses(select(Delivery), Delivery, statuses), page, public)


async def _newest_first(
    uow: UnitOfWork[Any], query: Select[Delivery], page: PageRequest, public: type[P]
) -> Page[P]:
    return await newest_first(uow, query, Delivery, page, public)


async def retry(uow: UnitOfWork[Any], delivery_id_: str) -> Delivery:
    """``requeue``, for an operator: an unknown delivery is an error."""
    delivery = await requeue(uow, delivery_id_)
    if delivery is None:
        raise DeliveryNotFound(delivery_id_)
    return delivery


async def requeue(uow: UnitOfWork[Any], delivery_id_: str) -> Delivery | None:
    """Queue a failed delivery again with a fresh attempt budget; None if there is none.

    The address is refreshed from HR's latest data: a wrong address is a common reason to fail.
    """
    session = uow.session
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
    delivery.next_attempt_at = uow.now
    delivery.failed_at = None
    delivery.claim_token = None
    delivery.lease_expires_at = None
    await session.flush()
    return delivery
