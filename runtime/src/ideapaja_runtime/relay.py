"""The outbox relay: publishes committed outbox rows in order, each exactly once into the stream
(the outbox module says how rows reach it: handed over after commit, or claimed by polling)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, TypeGuard

from nats.js import JetStreamContext
from nats.js.api import PubAck
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from ideapaja_contracts import OutgoingMessage
from ideapaja_runtime import metrics
from ideapaja_runtime.db import Database, is_sqlite
from ideapaja_runtime.logging import get_logger
from ideapaja_runtime.outbox import outbox_table

log = get_logger(__name__)


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
        keep_sent: timedelta = timedelta(hours=24),
        purge_every_seconds: float = 300.0,
        max_handed: int = 10_000,
    ) -> None:
        self.db = db
        # Published rows stay this long (for an operator's "what went out when"), then go: the
        # stream holds the events, and the outbox must not grow for ever.
        self.keep_sent = keep_sent
        self.purge_every_seconds = purge_every_seconds
        self._last_purge = float("-inf")
        self.js = js
        self.stream = stream
        self.batch_size = batch_size
        self.poll_seconds = poll_seconds
        self.publish_timeout = publish_timeout
        self.max_backoff_seconds = max_backoff_seconds
        # How long a claimed batch is reserved for this relay; well above a batch's publish time.
        self.claim_seconds = max(30.0, publish_timeout * 3)
        # Handed-over rows are published within milliseconds of their commit; their lease is
        # short, because it is also how long they wait if the process dies before publishing.
        self.handover_seconds = max(2.0, publish_timeout * 2)
        # Test seam: runs after the stream acked and before the row is marked sent.
        self.after_publish = after_publish
        self._wake = asyncio.Event()
        self._drain_requested = False
        # Committed rows leased to this relay, waiting to be published (see hand_over).
        self._handed: list[dict[str, Any]] = []
        self.max_handed = max_handed
        self._handed_dropped = 0
        self._stopping = False
        self._task: asyncio.Task[None] | None = None

    def wake(self) -> None:
        """Look for pending rows now rather than at the next poll."""
        self._drain_requested = True
        self._wake.set()

    def lease_end(self, now: datetime) -> datetime:
        """Until when a row claimed ``now`` is this relay's alone."""
        return now + timedelta(seconds=self.claim_seconds)

    def handover_lease_end(self, now: datetime) -> datetime:
        """Until when a row inserted ``now`` for hand-over is left to this relay."""
        return now + timedelta(seconds=self.handover_seconds)

    def hand_over(self, messages: Sequence[OutgoingMessage]) -> None:
        """Committed messages whose rows are leased to this relay: publish them without reading
        them back. Bounded: past ``max_handed`` they are left to the poll (their lease ends
        and they are claimed like any other row), so an outage cannot fill the memory."""
        if len(self._handed) + len(messages) > self.max_handed:
            self._handed_dropped += len(messages)
            metrics.OUTBOX_LEFT_TO_POLL.inc(len(messages))
            return
        self._handed.extend(
            {
                "event_id": message.envelope.id,
                "subject": message.subject,
                "headers": message.headers,
                "body": message.body,
            }
            for message in messages
        )
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
        next_poll = 0.0  # monotonic time of the next look at the table
        while True:
            # Cleared before publishing: a hand-over or wake from now on wakes the wait below
            # again, and what came before is published in this round.
            self._wake.clear()
            try:
                await self.publish_handed()
                if self._drain_requested or self._stopping or time.monotonic() >= next_poll:
                    self._drain_requested = False
                    await self.drain()
                    next_poll = time.monotonic() + self.poll_seconds
                failures = 0
            except Exception as exc:
                failures += 1
                delay = min(self.max_backoff_seconds, 0.5 * 2**failures)
                log.warning("outbox_publish_failed", error=repr(exc), retry_in=delay)
                if self._stopping:
                    return
                await asyncio.sleep(delay)
                next_poll = 0.0  # what failed is unleased: claim it at once
                continue
            if self._stopping and not self._handed:
                return
            await self._purge_when_due()
            # drain() ends on a batch that was not full, so the outbox held nothing unleased
            # when it was claimed: the poll is a safety net for other processes' rows.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), max(0.0, next_poll - time.monotonic()))

    async def publish_handed(self) -> int:
        """Publish what was handed over, in commit order; return how many were published."""
        total = 0
        try:
            while self._handed:
                rows = self._handed[: self.batch_size]
                del self._handed[: self.batch_size]
                total += await self._publish_rows(rows)
        except Exception:
            # The rest stay in the table, leased to us: give them up, so the next poll (right
            # after the back-off) claims them instead of waiting for the leases to end.
            rest, self._handed = self._handed, []
            metrics.OUTBOX_LEFT_TO_POLL.inc(len(rest))
            if rest:
                with contextlib.suppress(Exception):
                    await self._release([row["event_id"] for row in rest])
            raise
        if self._handed_dropped:
            log.warning("outbox_handover_full", left_to_poll=self._handed_dropped)
            self._handed_dropped = 0
            self._drain_requested = True
        return total

    async def drain(self) -> int:
        """Publish every pending row nobody holds; return how many were published.

        Pipelined: the next batch is claimed while this one is published (its rows are leased,
        so the two never share a row), and a batch is recorded as sent while the next one is
        published, so the database's round trips no longer stop the stream between batches.
        Batches still go out one after another, and none after a batch with a failure."""
        total = 0
        following: asyncio.Task[list[dict[str, Any]]] | None = None
        recording: asyncio.Task[int] | None = None
        try:
            rows = await self._claim()
            while rows:
                if len(rows) >= self.batch_size:  # a full batch: more may be waiting
                    following = asyncio.create_task(self._claim())
                outcomes = await self._send(rows)
                previous, recording = recording, asyncio.create_task(self._record(rows, outcomes))
                if previous is not None:
                    total += await previous
                if following is None or any(isinstance(o, BaseException) for o in outcomes):
                    break
                rows, following = await following, None
            if recording is not None:
                done, recording = recording, None
                total += await done  # raises the batch's first failure, once it is recorded
            return total
        finally:
            await self._wind_down(following, recording)

    async def _wind_down(
        self,
        following: asyncio.Task[list[dict[str, Any]]] | None,
        recording: asyncio.Task[int] | None,
    ) -> None:
        """After a failure (or cancellation) mid-drain: what was published is still recorded,
        and a batch claimed but not published is given back at once rather than when its lease
        ends."""
        if recording is not None:
            with contextlib.suppress(Exception):
                await recording
        if following is not None:
            with contextlib.suppress(Exception):
                claimed = await following
                if claimed:
                    await self._release([row["event_id"] for row in claimed])

    async def _publish_rows(self, rows: list[dict[str, Any]]) -> int:
        """Publish rows pipelined and record the outcome (``_send``, then ``_record``)."""
        return await self._record(rows, await self._send(rows))

    async def _send(self, rows: list[dict[str, Any]]) -> list[PubAck | BaseException]:
        """Publish rows pipelined: each row's ack, or why it has none. No transaction stays
        open while waiting for JetStream: the rows are leased, and a relay that dies mid-batch
        leaves rows whose lease expires and which are published again (JetStream drops the
        copies by Nats-Msg-Id; consumers' inboxes catch any older than the duplicate window)."""
        return await asyncio.gather(*(self._publish(row) for row in rows), return_exceptions=True)

    async def _record(self, rows: list[dict[str, Any]], outcomes: list[Any]) -> int:
        """Mark the acked rows sent and the others failed (unleased, so they are claimed again);
        raise the first failure after recording."""
        sent = [row for row, outcome in zip(rows, outcomes, strict=True) if _is_ack(outcome)]
        failed = [
            (row, outcome)
            for row, outcome in zip(rows, outcomes, strict=True)
            if isinstance(outcome, BaseException)
        ]
        now = datetime.now(UTC)

        def record(session: Session) -> None:
            if sent:
                session.execute(
                    update(outbox_table)
                    .where(outbox_table.c.event_id.in_([row["event_id"] for row in sent]))
                    .values(
                        sent_at=now,
                        claimed_until=None,
                        attempts=outbox_table.c.attempts + 1,
                    )
                )
            for row, error in failed:
                session.execute(
                    update(outbox_table)
                    .where(outbox_table.c.event_id == row["event_id"])
                    .values(
                        claimed_until=None,
                        attempts=outbox_table.c.attempts + 1,
                        last_error=repr(error)[:500],
                    )
                )

        await self.db.run_transaction(record)
        for row, outcome in zip(rows, outcomes, strict=True):
            if _is_ack(outcome):
                metrics.OUTBOX_PUBLISHED.labels(duplicate=str(bool(outcome.duplicate))).inc()
                log.info(
                    "event_published",
                    event_id=row["event_id"],
                    subject=row["subject"],
                    stream_seq=outcome.seq,
                    duplicate=bool(outcome.duplicate),
                    trace_id=_trace_id(row["headers"]),
                )
        if failed:
            raise failed[0][1]
        return len(rows)

    async def _release(self, event_ids: list[str]) -> None:
        async with self.db.transaction() as session:
            await session.execute(
                update(outbox_table)
                .where(outbox_table.c.event_id.in_(event_ids), outbox_table.c.sent_at.is_(None))
                .values(claimed_until=None)
            )

    async def _purge_when_due(self) -> None:
        now = time.monotonic()
        if now - self._last_purge < self.purge_every_seconds:
            return
        self._last_purge = now
        try:
            await self.purge_sent()
        except Exception as exc:  # the next purge tries again; publishing goes on meanwhile
            log.warning("outbox_purge_failed", error=repr(exc))

    async def purge_sent(self, *, chunk: int = 5000) -> int:
        """Delete rows published more than ``keep_sent`` ago (in chunks, so no transaction holds
        the writer long); never a row that is not yet published. Returns how many went."""
        cutoff = datetime.now(UTC) - self.keep_sent
        deleted = 0
        while True:
            async with self.db.transaction() as session:
                oldest = (
                    select(outbox_table.c.seq)
                    .where(outbox_table.c.sent_at.is_not(None), outbox_table.c.sent_at < cutoff)
                    .order_by(outbox_table.c.seq)
                    .limit(chunk)
                    .scalar_subquery()
                )
                result = await session.execute(
                    delete(outbox_table).where(outbox_table.c.seq.in_(oldest))
                )
            count = int(result.rowcount or 0)  # type: ignore[attr-defined]
            deleted += count
            if count < chunk:
                if deleted:
                    log.info("outbox_purged", rows=deleted)
                return deleted

    async def _claim(self) -> list[dict[str, Any]]:
        now = datetime.now(UTC)
        async with self.db.transaction() as session:
            query = (
                select(outbox_table)
                .where(
                    outbox_table.c.sent_at.is_(None),
                    or_(
                        outbox_table.c.claimed_until.is_(None),
                        outbox_table.c.claimed_until < now,
                    ),
                )
                .order_by(outbox_table.c.seq)
                .limit(self.batch_size)
            )
            if not is_sqlite(self.db.url):
                # Replicas share the outbox: each row is claimed by exactly one relay.
                query = query.with_for_update(skip_locked=True)
            rows = [dict(row) for row in (await session.execute(query)).mappings().all()]
            if rows:
                await session.execute(
                    update(outbox_table)
                    .where(outbox_table.c.seq.in_([row["seq"] for row in rows]))
                    .values(claimed_until=self.lease_end(now))
                )
        return rows

    async def _publish(self, row: dict[str, Any]) -> PubAck:
        ack: PubAck = await self.js.publish(
            row["subject"],
            row["body"],
            timeout=self.publish_timeout,
            stream=self.stream,
            headers=dict(row["headers"]),
        )
        if self.after_publish is not None:
            await self.after_publish(row)
        return ack

    async def pending(self) -> int:
        """Events not yet published (a gauge read by /readyz: never waits for a writer)."""
        async with self.db.reading() as conn:
            counted = await conn.scalar(
                select(func.count())
                .select_from(outbox_table)
                .where(outbox_table.c.sent_at.is_(None))
            )
            return int(counted or 0)


def _trace_id(headers: dict[str, str]) -> str | None:
    traceparent = headers.get("traceparent", "")
    return traceparent.split("-")[1] if traceparent.count("-") == 3 else None


def _is_ack(outcome: object) -> TypeGuard[PubAck]:
    return isinstance(outcome, PubAck)
