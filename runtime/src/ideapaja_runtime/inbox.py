"""Inbox: the ids of events a consumer has already handled, written in the same transaction as
the handler's effect, so a redelivered or re-published event changes nothing the second time."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from sqlalchemy import Column, MetaData, String, Table, select
from sqlalchemy.ext.asyncio import AsyncSession

from ideapaja_runtime.clock import UtcDateTime

_metadata = MetaData()
inbox_table = Table(
    "inbox",
    _metadata,
    Column("consumer", String(100), primary_key=True),
    Column("event_id", String(64), primary_key=True),
    Column("event_type", String(255), nullable=False),
    Column("processed_at", UtcDateTime, nullable=False),
)


async def handled(session: AsyncSession, *, consumer: str, event_id: str) -> bool:
    """Whether ``consumer`` has handled the event ``event_id`` (its effects are committed)."""
    return event_id in await handled_among(session, consumer=consumer, event_ids=[event_id])


async def handled_among(
    session: AsyncSession, *, consumer: str, event_ids: Iterable[str]
) -> set[str]:
    """Which of ``event_ids`` ``consumer`` has already handled: one query for a whole batch."""
    ids = list(dict.fromkeys(event_ids))
    if not ids:
        return set()
    found = await session.scalars(
        select(inbox_table.c.event_id).where(
            inbox_table.c.consumer == consumer, inbox_table.c.event_id.in_(ids)
        )
    )
    return set(found)


async def record(
    session: AsyncSession, *, consumer: str, events: Sequence[tuple[str, str]]
) -> None:
    """Record ``(event_id, event_type)`` pairs as handled, in one statement. A concurrent record
    of the same id by another replica fails on the primary key at commit, so that replica's
    transaction rolls back and its redelivery finds the row."""
    if not events:
        return
    now = datetime.now(UTC)
    await session.execute(
        inbox_table.insert(),
        [
            {
                "consumer": consumer,
                "event_id": event_id,
                "event_type": event_type,
                "processed_at": now,
            }
            for event_id, event_type in events
        ],
    )
