"""The claiming worker both senders are: e-mail (``sender.py``), webhooks (``webhook_sender.py``).

Written once, with what differs plugged in by each sender (which rows are due and how they are
grouped, how one is sent, what its outcome publishes and logs):

- claim due rows in a short transaction with a lease, naming this worker as their holder
  (``db/claiming.py``; SKIP LOCKED on PostgreSQL so replicas never share a row);
- send each group's rows in order, ``concurrency`` groups side by side; before each, record that
  the attempt begins and hold the row over the whole conversation (the attempt lease) — for
  every row but a group's first, in the transaction that records the previous row's outcome;
- send outside any transaction, then record the outcome while the claim is still ours; a failure
  is retried with persisted back-off (``RetryPolicy``) and given up after the last attempt;
- while it lives, beat its heartbeat row every ``heartbeat_seconds``. A worker not seen for
  ``holder_timeout_seconds`` is dead, and its claims are claimable at once however long their
  lease: a killed sender's mail goes out seconds after the restart, not 14 minutes after. A row
  whose attempt had begun is sent again with the same id (e-mail Message-ID, ``webhook-id``), so
  the possible second copy is recognisable, counted and logged — the crash window of sender.py.
  A slow sender that lives keeps its claims: the lease still bounds an honest attempt;
- a graceful stop lets the attempts in hand finish (bounded), hands back the rest and deletes
  its heartbeat row, so whatever it still held is free at once.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import time
import uuid
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta
from typing import ClassVar, Generic, TypeVar

from prometheus_client import Counter
from sqlalchemy.ext.asyncio import AsyncSession

from ideapaja_notification.db import claiming
from ideapaja_notification.db.claiming import Claim, ClaimRequest, ClaimTable, Holding
from ideapaja_notification.domain.deliveries import DeliveryStatus, RetryPolicy
from ideapaja_notification.sender_heartbeat import Heartbeat, log_held, log_taken_over
from ideapaja_runtime.clock import Clock, utc_now
from ideapaja_runtime.db import Database, is_sqlite
from ideapaja_runtime.logging import get_logger

log = get_logger(__name__)

C = TypeVar("C", bound=Claim)
T = TypeVar("T")

RESENT_AFTER_INTERRUPTION = Counter(
    "ideapaja_notification_resent_after_interrupted_attempt",
    "Deliveries sent again after an attempt whose outcome was never recorded (the sender died "
    "mid-send): each may have reached the person twice, with the same Message-ID",
    ["channel"],
)
TAKEN_OVER = Counter(
    "ideapaja_notification_claims_taken_over",
    "Deliveries claimed from a sender whose heartbeat stopped (killed, or cut off from the "
    "database) before their lease ran out",
    ["channel"],
)
# A heartbeat row this old belongs to a sender long gone; a missing row counts as dead.
_STALE_HEARTBEATS = timedelta(days=1)


class AttemptFailed(Exception):
    """An attempt that did not deliver: retried unless ``permanent``; ``values`` are recorded."""

    def __init__(self, error: str, *, permanent: bool, **values: object) -> None:
        super().__init__(error)
        self.permanent = permanent
        self.values = values


class DeliveryWorker(ABC, Generic[C]):
    # "email", "webhook": heartbeat rows and metric labels.
    channel: ClassVar[str]
    # "delivery", "webhook": log event names (delivery_claim_lost, webhook_claim_lost, ...).
    log_name: ClassVar[str]
    held_event: ClassVar[str]
    table: ClassVar[ClaimTable]
    # After a failed attempt, hand back the rest of the group (one webhook endpoint's rows: it
    # is down) rather than try each; e-mails go on (each its own recipient).
    release_rest_after_failure: ClassVar[bool] = False

    def __init__(
        self,
        db: Database,
        policy: RetryPolicy,
        *,
        concurrency: int = 1,
        poll_seconds: float = 1.0,
        lease_seconds: float = 60.0,
        attempt_lease_seconds: float = 900.0,
        heartbeat_seconds: float = 5.0,
        holder_timeout_seconds: float = 15.0,
        stop_timeout: float = 15.0,
        clock: Clock = utc_now,
    ) -> None:
        self.db = db
        self.policy = policy
        self.concurrency = concurrency
        self.poll_seconds = poll_seconds
        # A claimed group is held this long; a row being sent, over the longest conversation.
        self.lease = timedelta(seconds=lease_seconds)
        self.attempt_lease = timedelta(seconds=attempt_lease_seconds)
        self.heartbeat = Heartbeat(
            db,
            self.channel,
            interval=heartbeat_seconds,
            timeout=holder_timeout_seconds,
            clock=clock,
        )
        self.holder = self.heartbeat.holder
        self.stop_timeout = stop_timeout
        # The service's time (``runtime.clock``): tests control when a retry is due.
        self.clock = clock
        self._wake = asyncio.Event()
        self._stopping = False
        self._loop: asyncio.Task[None] | None = None
        self._heart: asyncio.Task[None] | None = None
        self._requests: set[asyncio.Task[None]] = set()
        # Claim tokens this worker holds, with their groups not yet done: what a graceful stop
        # hands back.
        self._held: collections.Counter[str] = collections.Counter()

    # --- What each sender plugs in ---------------------------------------------------------

    @abstractmethod
    async def claim(
        self, session: AsyncSession, request: ClaimRequest, slots: int
    ) -> tuple[list[list[C]], list[Holding]]:
        """Claim due rows for up to ``slots`` groups, and the dead holders taken over from."""

    @abstractmethod
    async def deliver(self, item: C, now: datetime) -> dict[str, object]:
        """Send ``item`` (the attempt began at ``now``); raise ``AttemptFailed``; return what
        to record with its success."""

    async def concluded(self, session: AsyncSession, item: C, error: str | None) -> None:
        """Its final outcome is being recorded (``error`` None: sent) in ``session``."""

    def begin_values(self, now: datetime) -> dict[str, object]:
        """What else to record when an attempt begins."""
        return {}

    def unexpected(self, item: C, exc: Exception) -> AttemptFailed:
        """A failure the sender did not foresee (a bug): logged, and retried as transient."""
        log.exception(f"{self.log_name}_channel_error", delivery_id=item.id)
        return AttemptFailed(repr(exc), permanent=False)

    @abstractmethod
    def outcome(self, item: C, outcome: str, **fields: object) -> None:
        """Count and log an outcome: "sent", "retry" or "failed"."""

    async def close(self) -> None:
        """Release the channel's connections (after the last attempt)."""

    # --- Running ---------------------------------------------------------------------------

    def wake(self) -> None:
        self._wake.set()

    async def launch(self) -> None:
        """Say what earlier senders still hold, then start."""
        await self.log_held_claims()
        self.start()

    def start(self) -> None:
        self._stopping = False
        self._loop = asyncio.create_task(self.run(), name=f"{self.channel}-sender")
        self._heart = asyncio.create_task(self.heartbeat.run(), name=f"{self.channel}-heartbeat")

    async def stop(self) -> None:
        """Let attempts in flight finish (bounded), hand back what was not begun, and say this
        holder is gone (what it still holds is free at once)."""
        self._stopping = True
        self._wake.set()
        if self._loop is not None:
            await self._loop
            self._loop = None
        if self._requests:
            _, late = await asyncio.wait(self._requests, timeout=self.stop_timeout)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)
        await self.release_claims()
        if self._heart is not None:
            self._heart.cancel()
            await asyncio.gather(self._heart, return_exceptions=True)
            self._heart = None
            await self.heartbeat.forget()
        await self.close()

    async def release_claims(self) -> int:
        """Hand back the rows this worker claimed and has not begun sending."""
        if not self._held:
            return 0
        async with self.db.transaction() as session:
            released = await claiming.release_unbegun(session, self.table, list(self._held))
        self._held.clear()
        if released:
            log.info(f"{self.log_name}_claims_released", deliveries=released)
        return released

    async def log_held_claims(self) -> None:
        """Say at start-up which rows earlier senders still hold, whose, until when and why."""
        now = self.clock()
        async with self.db.transaction() as session:
            await claiming.forget_stale(session, now - _STALE_HEARTBEATS)
            holdings = await claiming.held_by_holder(session, self.table, now, self.holder.timeout)
        log_held(self.held_event, holdings)

    async def run(self) -> None:
        failures = 0
        while not self._stopping:
            free = self.concurrency - len(self._requests)
            groups: list[list[C]] = []
            if free > 0:
                try:
                    groups = await self.claim_groups(free)
                    failures = 0
                except Exception as exc:
                    # The database is down or a bug: claims lapse on their own; back off.
                    failures += 1
                    delay = min(30.0, 0.5 * 2**failures)
                    log.warning(f"{self.log_name}_sender_failed", error=repr(exc), retry_in=delay)
                    await self._sleep(delay)
                    continue
            for group in groups:
                task = asyncio.create_task(self.send_in_order(group), name=f"{self.channel}-send")
                self._requests.add(task)
                task.add_done_callback(self._request_done)
            if not groups:
                await self._sleep(self.poll_seconds)

    def _request_done(self, task: asyncio.Task[None]) -> None:
        self._requests.discard(task)
        self._wake.set()  # a slot is free, and more may be waiting

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), seconds)
        self._wake.clear()

    async def send_due(self) -> int:
        """Claim and send one round of due rows here and now, its groups side by side as the
        loop sends them; return how many were claimed."""
        groups = await self.claim_groups(self.concurrency)
        await asyncio.gather(*(self.send_in_order(group) for group in groups))
        return sum(len(group) for group in groups)

    async def claim_groups(self, slots: int) -> list[list[C]]:
        request = ClaimRequest(
            token=uuid.uuid4().hex,
            holder=self.holder,
            now=self.clock(),
            lease=self.lease,
            skip_locked=not is_sqlite(self.db.url),
        )
        async with self.db.transaction() as session:
            await self.heartbeat.beat_if_due(session)
            groups, taken_over = await self.claim(session, request, slots)
        if groups:
            self._held[request.token] += len(groups)
        for holding in taken_over:
            TAKEN_OVER.labels(self.channel).inc(holding.deliveries)
            log_taken_over(f"{self.log_name}_claims_taken_over", holding)
        return groups

    async def send_in_order(self, group: Sequence[C]) -> None:
        """A group's rows one after another; after a failure, the rest are handed back if
        ``release_rest_after_failure`` (rather than each waiting its timeout here).

        A sent row's outcome and the next row's beginning are one transaction (``record_sent``
        with ``then``): half the commits, and the outcome is recorded no later than before. A row
        begun that way is sent even when a stop comes meanwhile (its attempt is under way)."""
        begun_at: datetime | None = None
        for index, item in enumerate(group):
            if self._stopping and begun_at is None:
                return  # stop() hands the rest back
            following = group[index + 1] if index + 1 < len(group) else None
            delivered, begun_at = await self._attempt_guarded(item, begun_at, following)
            if not delivered and self.release_rest_after_failure:
                rest = [d.id for d in group[index + 1 :]]
                if rest:
                    with contextlib.suppress(Exception):  # else their lease lapses
                        async with self.db.transaction() as session:
                            await claiming.release_unbegun(session, self.table, {item.token}, rest)
                break
        if group:
            token = group[0].token
            self._held[token] -= 1
            if self._held[token] <= 0:
                del self._held[token]

    async def begin_attempt(self, item: C, now: datetime | None = None) -> bool:
        """Record that sending begins and hold the row for the whole conversation; False when
        the claim was lost (another sender took the row over)."""
        now = now or self.clock()
        async with self.db.transaction() as session:
            ours = await self._begin_in(session, item, now)
        return self._began(item, ours)

    async def _begin_in(self, session: AsyncSession, item: C, now: datetime) -> bool:
        await self.heartbeat.beat_if_due(session)
        return await claiming.begin_attempt(
            session, self.table, item, now=now, lease=self.attempt_lease, **self.begin_values(now)
        )

    def _began(self, item: C, ours: bool) -> bool:
        """Log a lost claim, or a row begun again after an interrupted attempt."""
        if not ours:
            log.warning(f"{self.log_name}_claim_lost", delivery_id=item.id)
            return False
        if item.interrupted_attempt_at is not None:
            RESENT_AFTER_INTERRUPTION.labels(self.channel).inc()
            log.warning(
                f"{self.log_name}_resent_after_interrupted_attempt",
                delivery_id=item.id,
                interrupted_attempt_at=item.interrupted_attempt_at.isoformat(),
                why="a sender began sending it and died before recording the outcome; it may "
                "arrive twice, with the same id (Message-ID, webhook-id)",
            )
        return True

    async def attempt(self, item: C) -> bool:
        """Send one row and record how it went; whether it was delivered."""
        return (await self._attempt_guarded(item, None, None))[0]

    async def _attempt_guarded(
        self, item: C, begun_at: datetime | None, then: C | None
    ) -> tuple[bool, datetime | None]:
        """Send ``item`` (begun at ``begun_at``, else begin it now); whether it was delivered,
        and when ``then`` was begun with its outcome (None: not begun)."""
        try:
            return await self._attempt(item, begun_at, then)
        except Exception as exc:  # the database is away: the claim lapses and it is tried again
            log.warning(
                f"{self.log_name}_attempt_not_recorded", delivery_id=item.id, error=repr(exc)
            )
            return False, None

    async def _attempt(
        self, item: C, begun_at: datetime | None, then: C | None
    ) -> tuple[bool, datetime | None]:
        now = begun_at or self.clock()
        if begun_at is None and not await self.begin_attempt(item, now):
            return False, None
        try:
            values = await self.deliver(item, now)
        except AttemptFailed as exc:
            await self.record_failure(item, str(exc), permanent=exc.permanent, **exc.values)
        except Exception as exc:
            failure = self.unexpected(item, exc)
            await self.record_failure(item, str(failure), permanent=False, **failure.values)
        else:
            return True, await self._record_once_the_database_answers(
                item, lambda: self.record_sent(item, then=then, **values)
            )
        return False, None

    async def _record_once_the_database_answers(
        self, item: C, record: Callable[[], Awaitable[T]]
    ) -> T:
        """Record a sent row's outcome; while the database does not answer, try again (within
        half the attempt lease): else the claim would lapse and the row go out a second time."""
        pause, deadline = 0.5, time.monotonic() + self.attempt_lease.total_seconds() / 2
        while True:
            try:
                return await record()
            except Exception as exc:
                if self._stopping or time.monotonic() > deadline or await self.db.answers():
                    raise
                log.warning(f"{self.log_name}_outcome_waits_for_database", delivery_id=item.id,
                            error=repr(exc), retry_in=pause)  # fmt: skip
            await asyncio.sleep(pause)
            pause = min(pause * 2, 5.0)

    async def record_sent(
        self, item: C, *, then: C | None = None, **values: object
    ) -> datetime | None:
        """Record ``item`` sent and, in the same transaction, begin ``then`` (unless stopping):
        when ``then`` began (None: not begun, its attempt begins on its own)."""
        now, begun = self.clock(), False
        async with self.db.transaction() as session:
            if not await self._finish(
                session,
                item,
                status=DeliveryStatus.SENT.value,
                sent_at=now,
                attempts=item.attempts + 1,
                last_error=None,
                **values,
            ):
                return None
            await self.concluded(session, item, None)
            if then is not None and not self._stopping:
                begun = await self._begin_in(session, then, now)
        self.outcome(item, "sent")
        if then is None or not begun:
            return None  # a lost claim is found (and logged) when ``then`` begins on its own
        self._began(then, begun)
        return now

    async def record_failure(
        self, item: C, error: str, *, permanent: bool, **values: object
    ) -> None:
        attempts = item.attempts + 1
        delay = self.policy.delay_after(attempts, permanent=permanent)
        now = self.clock()
        values |= {"attempts": attempts, "last_error": error[:500]}
        if delay is None:
            values |= {"status": DeliveryStatus.FAILED.value, "failed_at": now}
        else:
            values["next_attempt_at"] = now + timedelta(seconds=delay)
        async with self.db.transaction() as session:
            if not await self._finish(session, item, **values):
                return
            if delay is None:
                await self.concluded(session, item, error)
        self.outcome(
            item,
            "failed" if delay is None else "retry",
            attempts=attempts,
            retry_in=delay,
            error=error,
        )

    async def _finish(self, session: AsyncSession, item: C, **values: object) -> bool:
        if not await claiming.finish(session, self.table, item, **values):
            log.warning(f"{self.log_name}_claim_lost", delivery_id=item.id)
            return False
        return True
