"""The in-app inbox: every notice a person gets is an item there, whether or not an e-mail
goes too. The person lists theirs (newest first, or only the unread), counts the unread, marks
one or all read; items older than ``INBOX_RETENTION_DAYS`` are purged by a periodic job.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar, cast

from pydantic import BaseModel
from sqlalchemy import delete, func, select, update

from ideapaja_contracts import Envelope
from ideapaja_notification.db.models import InboxItem
from ideapaja_notification.domain.deliveries import cause_key, delivery_id
from ideapaja_notification.domain.notices import Notice
from ideapaja_notification.errors import InboxItemNotFound
from ideapaja_notification.settings import NotificationSettings
from ideapaja_notification.usecases.pages import newest_first
from ideapaja_runtime.db import insert_unless_present
from ideapaja_runtime.logging import get_logger
from ideapaja_runtime.pagination import Page, PageRequest
from ideapaja_runtime.periodic import start_periodic, stop_periodic
from ideapaja_runtime.service import Runtime
from ideapaja_runtime.uow import UnitOfWork

log = get_logger(__name__)

P = TypeVar("P", bound=BaseModel)

_TITLE_MAX = 500
_LINK_MAX = 300


def inbox_item_id(cause_event_id: str, person_id: str, kind: str) -> str:
    """Derived from (cause event, person, kind), like a delivery's: a replay finds the item."""
    return delivery_id(cause_event_id, person_id, f"inbox:{kind}")


async def add_item(
    uow: UnitOfWork[Any], cause: Envelope, notice: Notice, *, idea_id: str | None
) -> bool:
    """Put ``notice`` in its recipient's inbox; False if this event already put it there."""
    cause_id = cause_key(cause.id)
    new_id = inbox_item_id(cause_id, notice.person_id, notice.template.value)
    return await insert_unless_present(
        uow.session,
        InboxItem.__table__,
        {
            "id": new_id,
            "person_id": notice.person_id,
            "kind": notice.template.value,
            "idea_id": idea_id,
            "language": notice.language,
            "title": notice.subject[:_TITLE_MAX],
            "text": notice.summary,
            "link": notice.link if notice.link and len(notice.link) <= _LINK_MAX else None,
            "cause_event_id": cause_id,
            "created_at": uow.now,
        },
    )


async def items_of(
    uow: UnitOfWork[Any], person_id: str, page: PageRequest, public: type[P], *, unread: bool
) -> Page[P]:
    """A page of ``person_id``'s inbox, newest first (only the unread ones if ``unread``)."""
    query = select(InboxItem).where(InboxItem.person_id == person_id)
    if unread:
        query = query.where(InboxItem.read_at.is_(None))
    return await newest_first(uow, query, InboxItem, page, public)


async def unread_count(uow: UnitOfWork[Any], person_id: str) -> int:
    count = await uow.session.scalar(
        select(func.count())
        .select_from(InboxItem)
        .where(InboxItem.person_id == person_id, InboxItem.read_at.is_(None))
    )
    return int(count or 0)


async def mark_read(uow: UnitOfWork[Any], person_id: str, item_id: str) -> InboxItem:
    """Mark one of ``person_id``'s items read (again: it keeps the first time). Another
    person's item is not found, the same as one that does not exist."""
    item = await uow.session.get(InboxItem, item_id)
    if item is None or item.person_id != person_id:
        raise InboxItemNotFound(item_id)
    if item.read_at is None:
        item.read_at = uow.now
        await uow.session.flush()
    return item


async def mark_all_read(uow: UnitOfWork[Any], person_id: str) -> int:
    """Mark every unread item of ``person_id`` read; how many were."""
    result = await uow.session.execute(
        update(InboxItem)
        .where(InboxItem.person_id == person_id, InboxItem.read_at.is_(None))
        .values(read_at=uow.now)
        .execution_options(synchronize_session=False)
    )
    return cast(int, getattr(result, "rowcount", 0))


async def purge_older_than(uow: UnitOfWork[Any], cutoff: datetime, batch_size: int) -> int:
    """Delete up to ``batch_size`` items created before ``cutoff``, oldest first."""
    ids = select(InboxItem.id).where(InboxItem.created_at < cutoff)
    chosen = list(await uow.session.scalars(ids.order_by(InboxItem.created_at).limit(batch_size)))
    if not chosen:
        return 0
    await uow.session.execute(
        delete(InboxItem)
        .where(InboxItem.id.in_(chosen))
        .execution_options(synchronize_session=False)
    )
    return len(chosen)


@dataclass(frozen=True)
class PurgeResult:
    deleted: int
    cutoff: datetime


async def purge(runtime: Runtime[NotificationSettings]) -> PurgeResult:
    """The retention job: purge items older than ``INBOX_RETENTION_DAYS``, a batch per
    transaction, until none are left (several replicas may run it: a delete is idempotent)."""
    settings = runtime.settings
    cutoff = runtime.clock() - timedelta(days=settings.inbox_retention_days)
    deleted = 0
    while True:
        async with runtime.unit_of_work() as uow:
            batch = await purge_older_than(uow, cutoff, settings.inbox_purge_batch_size)
        deleted += batch
        if batch < settings.inbox_purge_batch_size:
            break
    if deleted:
        log.info("inbox_items_purged", deleted=deleted, cutoff=cutoff.isoformat())
    return PurgeResult(deleted, cutoff)


PURGE = "notification-inbox-purge"


def start_purge(runtime: Runtime[NotificationSettings]) -> None:
    """The purge at start and then every ``INBOX_PURGE_SECONDS`` (0: never)."""

    async def run_once() -> PurgeResult:
        return await purge(runtime)

    start_periodic(runtime, PURGE, run_once, runtime.settings.inbox_purge_seconds)


async def stop_purge(runtime: Runtime[NotificationSettings]) -> None:
    await stop_periodic(runtime, PURGE)
