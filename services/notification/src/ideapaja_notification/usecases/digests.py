"""Daily and weekly digests: at the configured local time, each person with notices waiting
gets one e-mail carrying them all, grouped by idea, in their language.

Exactly once: a digest is a delivery whose id is derived from (period, person, kind of digest),
so a period has at most one digest per person; its notices are claimed for it by a conditional
update (``digest_id IS NULL``), so a notice is in one digest only, whichever replica or restart
builds it. The delivery is then sent by the delivery sender like any other e-mail (retries,
Message-ID, the crash window: see sender.py). A digest carries the notices that arrived before
its due moment; later ones wait for the next.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Any, cast

from sqlalchemy import select, update

from ideapaja_contracts.events.notification import NotificationChannel
from ideapaja_notification.db.models import Contact, Delivery, DigestItem, Idea
from ideapaja_notification.domain.deliveries import DeliveryStatus, delivery_id, priority_of
from ideapaja_notification.domain.digests import (
    DigestLine,
    Slot,
    digest_template,
    group_by_idea,
    latest_slot,
)
from ideapaja_notification.domain.kinds import language_or_default
from ideapaja_notification.domain.preferences import DIGESTS
from ideapaja_notification.messages.digests import render_digest
from ideapaja_notification.settings import NotificationSettings
from ideapaja_runtime.logging import get_logger
from ideapaja_runtime.periodic import start_periodic, stop_periodic
from ideapaja_runtime.service import Runtime
from ideapaja_runtime.uow import UnitOfWork

log = get_logger(__name__)

DIGEST_EVENT_TYPE = "ideapaja.notification.digest"
UnitOfWorkFactory = Callable[[], AbstractAsyncContextManager[UnitOfWork[NotificationSettings]]]


def digest_cause(slot: Slot) -> str:
    """The period a digest is for, as its delivery's cause: digest-daily-2026-03-29."""
    return f"digest-{slot.frequency.value}-{slot.local_date.isoformat()}"


def slots_at(now: datetime, settings: NotificationSettings) -> list[Slot]:
    at, weekday = settings.digest_time, settings.digest_weekday_number
    return [latest_slot(now, frequency, at=at, weekday=weekday) for frequency in DIGESTS]


async def build_due_digests(unit_of_work: UnitOfWorkFactory, now: datetime, batch: int) -> int:
    """Build every digest due at ``now`` (each person's latest daily and weekly period not yet
    built), ``batch`` people per transaction; how many digest deliveries were queued."""
    queued = 0
    async with unit_of_work() as uow:
        slots = slots_at(now, uow.settings)
    for slot in slots:
        after = ""
        while True:
            async with unit_of_work() as uow:
                people = await _people_waiting(uow, slot, after, batch)
                for person_id in people:
                    queued += await build_digest(uow, slot, person_id)
            if len(people) < batch:
                break
            after = people[-1]
    if queued:
        log.info("digests_queued", digests=queued, at=now.isoformat())
    return queued


async def _people_waiting(uow: UnitOfWork[Any], slot: Slot, after: str, batch: int) -> list[str]:
    """The next ``batch`` people (by id, after ``after``) with notices waiting for ``slot``."""
    query = (
        select(DigestItem.person_id)
        .where(*_waiting_for(slot), DigestItem.person_id > after)
        .distinct()
        .order_by(DigestItem.person_id)
        .limit(batch)
    )
    return list((await uow.session.scalars(query)).all())


def _waiting_for(slot: Slot) -> tuple[Any, ...]:
    return (
        DigestItem.frequency == slot.frequency.value,
        DigestItem.digest_id.is_(None),
        DigestItem.created_at <= slot.due_at,
    )


async def build_digest(uow: UnitOfWork[Any], slot: Slot, person_id: str) -> int:
    """Queue ``person_id``'s digest for ``slot`` with the notices waiting for it; 0 if it was
    built before (or another replica has just claimed them), 1 if queued."""
    session = uow.session
    template = digest_template(slot.frequency)
    new_id = delivery_id(digest_cause(slot), person_id, template)
    if await session.get(Delivery, new_id) is not None:
        return 0
    claimed = await session.execute(
        update(DigestItem)
        .where(DigestItem.person_id == person_id, *_waiting_for(slot))
        .values(digest_id=new_id)
        .execution_options(synchronize_session=False)
    )
    if cast(int, getattr(claimed, "rowcount", 0)) == 0:
        return 0
    contact = await session.get(Contact, person_id)
    if contact is None or contact.left_on is not None or contact.erased_at is not None:
        # Nobody to write to (they left): the notices count as handled, and stay in the inbox.
        log.info("digest_recipient_left", person_id=person_id, period=digest_cause(slot))
        return 0
    items = (
        await session.scalars(
            select(DigestItem)
            .where(DigestItem.digest_id == new_id)
            .order_by(DigestItem.created_at, DigestItem.id)
        )
    ).all()
    lines = [
        DigestLine(item.idea_id, await _title_of(uow, item.idea_id), item.title, item.text,
                   item.created_at)
        for item in items
    ]  # fmt: skip
    language = language_or_default(contact.language)
    message = render_digest(language, slot.frequency, contact.display_name, group_by_idea(lines))
    now = uow.now
    session.add(
        Delivery(
            id=new_id,
            cause_event_id=digest_cause(slot),
            cause_event_type=DIGEST_EVENT_TYPE,
            person_id=person_id,
            channel=NotificationChannel.EMAIL.value,
            template=template,
            language=language,
            address=contact.email,
            subject=message.subject[:500],
            body=message.text,
            html=message.html,
            status=DeliveryStatus.PENDING.value,
            attempts=0,
            next_attempt_at=now,
            priority=priority_of(template, digest=True),
            created_at=now,
        )
    )
    await session.flush()
    return 1


async def _title_of(uow: UnitOfWork[Any], idea_id: str | None) -> str | None:
    if idea_id is None:
        return None
    idea = await uow.session.get(Idea, idea_id)
    return idea.title if idea is not None else None


# --- The job, on the service's clock ------------------------------------------------------------

DIGESTS_JOB = "notification-digests"


def start_digests(runtime: Runtime[NotificationSettings], wake: Callable[[], None]) -> None:
    """Look for due digests at start and every ``DIGEST_POLL_SECONDS`` (0: never); ``wake``
    the delivery sender when some were queued."""

    async def run_once() -> int:
        queued = await build_due_digests(
            runtime.unit_of_work, runtime.clock(), runtime.settings.digest_batch_size
        )
        if queued:
            wake()
        return queued

    start_periodic(runtime, DIGESTS_JOB, run_once, runtime.settings.digest_poll_seconds)


async def stop_digests(runtime: Runtime[NotificationSettings]) -> None:
    await stop_periodic(runtime, DIGESTS_JOB)
