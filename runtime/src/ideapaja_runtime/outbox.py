"""Transactional outbox: an event is stored in the same transaction as the state change that
caused it, and a relay publishes it to JetStream afterwards.

The relay publishes with ``Nats-Msg-Id`` = event id and waits for the stream's ack before it marks
the row sent. If it dies between the two, the next run publishes the row again and JetStream's
duplicate window drops the copy; consumers' inboxes catch anything older than that window.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from nats.js import JetStreamContext
from sqlalchemy import (
    Column,
    DateTime,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import JSON

from ideapaja_contracts import Event, OutgoingMessage, encode
from ideapaja_contracts.envelope import child_traceparent
from ideapaja_runtime import metrics
from ideapaja_runtime.db import Database, is_sqlite
from ideapaja_runtime.logging import get_logger

log = get_logger(__name__)

_metadata = MetaData()
outbox_table = Table(
    "outbox",
    _metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("event_id", String(64), nullable=False, unique=True),
    Column("subject", String(255), nullable=False),
    Column("headers", JSON, nullable=False),
    Column("body", LargeBinary, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("sent_at", DateTime(timezone=True), nullable=True),
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_error", String(500), nullable=True),
)


class Outbox:
    """Adds events to the outbox inside the caller's transaction."""

    def __init__(self, source: str, on_added: Callable[[], None] | None = None) -> None:
        self.source = source
        self._on_added = on_added or (lambda: None)

    async def add(
        self,
        session: AsyncSession,
        event: Event,
        *,
        traceparent: str | None = None,
        event_id: str | None = None,
    ) -> OutgoingMessage:
        """Store ``event``; it is published once the surrounding transaction commits.

        ``traceparent`` is the incoming trace (a consumed event's or a request's): the new event
        continues that trace with a span of its own.
        """
        message = encode(
            event,
            source=self.source,
            event_id=event_id,
            traceparent=child_traceparent(traceparent),
        )
        await session.execute(
            outbox_table.insert().values(
                event_id=message.envelope.id,
                subject=message.subject,
                headers=message.headers,
                body=message.body,
                created_at=datetime.now(UTC),
                attempts=0,
            )
        )
        # Waking the relay early is harmless: it finds nothing until the commit, then polls.
        Database.after_commit(session, self._on_added)
        return message


PublishHook = Callable[[dict[str, Any]], Awaitable[None]]


class OutboxRelay:
    """Publishes committed outbox rows in order, each exactly once into the stream."""

    def __init__(
        self,
        db: Database,
        js: JetStreamContext,
        *,
        stream: str,
        batch_size: int = 100,
        poll_seconds: float = 1.0,
        publish_timeout: float = 5.0,
        max_backoff_seconds: float = 30.0,
        after_publish: PublishHook | None = None,
    ) -> None:
        self.db = db
        self.js = js
        self.stream = stream
        self.batch_size = batch_size
        self.poll_seconds = poll_seconds
        self.publish_timeout = publish_timeout
        self.max_backoff_seconds = max_backoff_seconds
        # Test seam: runs after the stream acked and before the row is marked sent.
        self.after_publish = after_publish
        self._wake = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        self._task = asyncio.create_task(self.run(), name="outbox-relay")

    async def stop(self) -> None:
        """Stop after a last drain, so events committed just before shutdown still go out."""
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def run(self) -> None:
        failures = 0
        while True:
            try:
                published = await self.drain()
                failures = 0
            except Exception as exc:
                failures += 1
                delay = min(self.max_backoff_seconds, 0.5 * 2**failures)
                log.warning("outbox_publish_failed", error=repr(exc), retry_in=delay)
                if self._stopping:
                    return
                await asyncio.sleep(delay)
                continue
            if self._stopping:
                return
            if published == 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.poll_seconds)
                self._wake.clear()

    async def drain(self) -> int:
        """Publish every pending row; return how many were published."""
        total = 0
        while True:
            count = await self._publish_batch()
            total += count
            if count < self.batch_size:
                return total

    async def _publish_batch(self) -> int:
        async with self.db.transaction() as session:
            query = (
                select(outbox_table)
                .where(outbox_table.c.sent_at.is_(None))
                .order_by(outbox_table.c.seq)
                .limit(self.batch_size)
            )
            if not is_sqlite(self.db.url):
                # Replicas share the outbox: each row is locked by exactly one relay.
                query = query.with_for_update(skip_locked=True)
            rows = (await session.execute(query)).mappings().all()
            for row in rows:
                try:
                    ack = await self.js.publish(
                        row["subject"],
                        row["body"],
                        timeout=self.publish_timeout,
                        stream=self.stream,
                        headers=dict(row["headers"]),
                    )
                except Exception as exc:
                    await session.execute(
                        update(outbox_table)
                        .where(outbox_table.c.seq == row["seq"])
                        .values(attempts=row["attempts"] + 1, last_error=repr(exc)[:500])
                    )
                    await session.commit()
                    raise
                if self.after_publish is not None:
                    await self.after_publish(dict(row))
                await session.execute(
                    update(outbox_table)
                    .where(outbox_table.c.seq == row["seq"])
                    .values(sent_at=datetime.now(UTC), attempts=row["attempts"] + 1)
                )
                metrics.OUTBOX_PUBLISHED.labels(duplicate=str(ack.duplicate or False)).inc()
                log.info(
                    "event_published",
                    event_id=row["event_id"],
                    subject=row["subject"],
                    stream_seq=ack.seq,
                    trace_id=_trace_id(row["headers"]),
                    duplicate=bool(ack.duplicate),
                )
            return len(rows)

    async def pending(self) -> int:
        async with self.db.transaction() as session:
            result = await session.execute(
                select(outbox_table.c.seq).where(outbox_table.c.sent_at.is_(None))
            )
            return len(result.all())


def _trace_id(headers: dict[str, str]) -> str | None:
    traceparent = headers.get("traceparent", "")
    return traceparent.split("-")[1] if traceparent.count("-") == 3 else None
