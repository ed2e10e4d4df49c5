"""The delivery sender: a background loop that sends pending deliveries and records outcomes.

Why a loop of its own rather than sending inside the event handler:
- a handler runs inside the transaction that also claims the event in the inbox; sending there
  would hold that transaction (and on SQLite the database's write lock) for a whole SMTP
  conversation, and a mail server outage would turn into NAKs and, after ``max_deliver``, dead
  letters of perfectly good events;
- mail retries follow their own schedule (minutes to hours, persisted in ``deliveries``, so a
  restart keeps it) instead of the event redelivery back-off, and an operator can queue a failed
  delivery again without replaying events.

Exactly once, step by step: the handler commits the pending delivery with its inbox row. The
sender claims a batch of due deliveries with a lease (a short transaction); before sending one it
records the attempt and extends that delivery's lease over the longest SMTP conversation (a
second short transaction), sends outside any transaction, then in one transaction marks the
delivery sent and adds ``NotificationDelivered`` to the outbox. A graceful stop hands back the
deliveries it had not begun, so the next start sends them at once.

The one window where a mail can go out twice is a crash between the SMTP server's reply to the
data ("250 OK": the mail is accepted) and that commit; the channel returns at that reply (QUIT
comes after), so the window is one local transaction long. A delivery found with an attempt
recorded but no outcome is sent again with the same Message-ID (derived from the delivery id, so
a server or client that deduplicates on it drops the copy), logged and counted in
``ideapaja_notification_resent_after_interrupted_attempt_total`` — never silently.

Retries use persisted exponential back-off (``RetryPolicy``) rather than an in-process retry
library: a schedule in memory would be lost on restart and would keep a worker waiting through an
outage.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from prometheus_client import Counter
from sqlalchemy.ext.asyncio import AsyncSession

from ideapaja_contracts import Event
from ideapaja_contracts.events.notification import (
    NotificationChannel,
    NotificationDelivered,
    NotificationFailed,
)
from ideapaja_notification.channels import Channel, ChannelError, OutgoingMessage
from ideapaja_notification.channels.email import EmailChannel
from ideapaja_notification.db import claims
from ideapaja_notification.db.claims import ClaimedDelivery
from ideapaja_notification.domain.deliveries import DeliveryStatus, RetryPolicy
from ideapaja_notification.settings import NotificationSettings
from ideapaja_runtime.clock import Clock, utc_now
from ideapaja_runtime.db import Database, is_sqlite
from ideapaja_runtime.logging import get_logger
from ideapaja_runtime.outbox import Outbox

if TYPE_CHECKING:
    from ideapaja_runtime.service import Runtime

log = get_logger(__name__)

DELIVERY_ATTEMPTS = Counter(
    "ideapaja_notification_delivery_attempts_total",
    "Attempts to send a delivery, by channel and outcome (sent, retry, failed)",
    ["channel", "outcome"],
)
RESENT_AFTER_INTERRUPTION = Counter(
    "ideapaja_notification_resent_after_interrupted_attempt",
    "Deliveries sent again after an attempt whose outcome was never recorded (the sender died "
    "mid-send): each may have reached the person twice, with the same Message-ID",
    ["channel"],
)


class DeliverySender:
    def __init__(
        self,
        db: Database,
        outbox: Outbox,
        channels: Mapping[str, Channel],
        policy: RetryPolicy,
        *,
        batch_size: int = 20,
        poll_seconds: float = 1.0,
        lease_seconds: float = 60.0,
        attempt_lease_seconds: float = 900.0,
        stop_timeout: float = 15.0,
        clock: Clock = utc_now,
    ) -> None:
        self.db = db
        self.outbox = outbox
        self.channels = dict(channels)
        self.policy = policy
        self.batch_size = batch_size
        self.poll_seconds = poll_seconds
        # A claimed batch is held this long; a delivery being sent, as long as the longest SMTP
        # conversation can last (connect and commands, then the reply to the data).
        self.lease = timedelta(seconds=lease_seconds)
        self.attempt_lease = timedelta(seconds=attempt_lease_seconds)
        self.stop_timeout = stop_timeout
        # The service's time (``runtime.clock``): tests control when a retry is due.
        self.clock = clock
        self._wake = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        # The claim tokens of batches this sender holds, so a graceful stop can hand them back.
        self._held: set[str] = set()

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        self._stopping = False
        self._task = asyncio.create_task(self.run(), name="delivery-sender")

    async def stop(self) -> None:
        """Let the mail in hand finish (bounded); hand back the claimed deliveries not begun."""
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            try:
                await asyncio.wait_for(asyncio.shield(self._task), self.stop_timeout)
            except TimeoutError:
                self._task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._task
            self._task = None
        await self.release_claims()
        for channel in self.channels.values():
            await channel.aclose()

    async def release_claims(self) -> int:
        """Hand back the deliveries this sender claimed and has not begun sending."""
        if not self._held:
            return 0
        async with self.db.transaction() as session:
            released = await claims.release_unbegun(session, self._held)
        self._held.clear()
        if released:
            log.info("delivery_claims_released", deliveries=released)
        return released

    async def log_held_claims(self) -> None:
        """Say at start-up which deliveries an earlier sender still holds, and until when: they
        wait for that lease (a sender that was killed could not hand them back)."""
        async with self.db.transaction() as session:
            count, until = await claims.held(session, self.clock())
        if count:
            log.warning(
                "deliveries_held_by_an_earlier_claim",
                deliveries=count,
                until=until.isoformat() if until is not None else None,
                why="claimed by a sender that stopped without handing them back (killed?); "
                "sent once the claim lapses",
            )

    async def run(self) -> None:
        failures = 0
        while not self._stopping:
            try:
                handled = await self.send_due()
                failures = 0
            except Exception as exc:
                # The database is down or a bug: claims lapse on their own, so back off and go on.
                failures += 1
                delay = min(30.0, 0.5 * 2**failures)
                log.warning("delivery_sender_failed", error=repr(exc), retry_in=delay)
                await self._sleep(delay)
                continue
            if handled == 0:
                await self._sleep(self.poll_seconds)

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), seconds)
        self._wake.clear()

    async def send_due(self) -> int:
        """Send one batch of due deliveries; return how many were attempted."""
        claimed = await self.claim_due()
        for delivery in claimed:
            if self._stopping:
                break  # stop() hands the rest back
            await self.attempt(delivery)
        if claimed and not self._stopping:
            self._held.discard(claimed[0].token)
        return len(claimed)

    async def claim_due(self) -> list[ClaimedDelivery]:
        token = uuid.uuid4().hex
        async with self.db.transaction() as session:
            claimed = await claims.claim_due(
                session,
                token=token,
                now=self.clock(),
                lease=self.lease,
                limit=self.batch_size,
                skip_locked=not is_sqlite(self.db.url),
            )
        if claimed:
            self._held.add(token)
        return claimed

    async def begin_attempt(self, delivery: ClaimedDelivery) -> bool:
        """Record that sending begins and hold the delivery for the whole conversation; False
        when the claim was lost (another sender took the delivery over)."""
        async with self.db.transaction() as session:
            ours = await claims.begin_attempt(
                session, delivery, now=self.clock(), lease=self.attempt_lease
            )
        if not ours:
            log.warning("delivery_claim_lost", delivery_id=delivery.id)
            return False
        if delivery.interrupted_attempt_at is not None:
            RESENT_AFTER_INTERRUPTION.labels(delivery.channel).inc()
            log.warning(
                "delivery_resent_after_interrupted_attempt",
                delivery_id=delivery.id,
                interrupted_attempt_at=delivery.interrupted_attempt_at.isoformat(),
                why="a sender began sending it and died before recording the outcome; the "
                "person may get it twice, with the same Message-ID",
            )
        return True

    async def attempt(self, delivery: ClaimedDelivery) -> None:
        if not await self.begin_attempt(delivery):
            return
        channel = self.channels.get(delivery.channel)
        try:
            if channel is None:
                raise ChannelError(f"channel {delivery.channel!r} is not available", permanent=True)
            await channel.send(
                OutgoingMessage(
                    delivery_id=delivery.id,
                    person_id=delivery.person_id,
                    address=delivery.address,
                    language=delivery.language,
                    subject=delivery.subject,
                    body=delivery.body,
                    html=delivery.html,
                )
            )
        except ChannelError as exc:
            await self.record_failure(delivery, str(exc), permanent=exc.permanent)
        except Exception as exc:
            # An unexpected error in a channel is treated as transient and retried.
            log.exception("delivery_channel_error", delivery_id=delivery.id)
            await self.record_failure(delivery, repr(exc), permanent=False)
        else:
            await self.record_sent(delivery)

    async def record_sent(self, delivery: ClaimedDelivery) -> None:
        async with self.db.transaction() as session:
            if not await self._conclude(
                session,
                delivery,
                NotificationDelivered(**_notification_of(delivery)),
                status=DeliveryStatus.SENT.value,
                sent_at=self.clock(),
                attempts=delivery.attempts + 1,
                last_error=None,
            ):
                return
        DELIVERY_ATTEMPTS.labels(delivery.channel, "sent").inc()
        log.info("notification_delivered", delivery_id=delivery.id, template=delivery.template)

    async def record_failure(
        self, delivery: ClaimedDelivery, error: str, *, permanent: bool
    ) -> None:
        attempts = delivery.attempts + 1
        delay = self.policy.delay_after(attempts, permanent=permanent)
        now = self.clock()
        async with self.db.transaction() as session:
            if delay is not None:
                await self._finish(
                    session,
                    delivery,
                    attempts=attempts,
                    last_error=error[:500],
                    next_attempt_at=now + timedelta(seconds=delay),
                )
                DELIVERY_ATTEMPTS.labels(delivery.channel, "retry").inc()
                log.warning(
                    "notification_retry_scheduled",
                    delivery_id=delivery.id,
                    attempts=attempts,
                    retry_in=delay,
                    error=error,
                )
                return
            if not await self._conclude(
                session,
                delivery,
                NotificationFailed(**_notification_of(delivery), error=error[:200]),
                status=DeliveryStatus.FAILED.value,
                failed_at=now,
                attempts=attempts,
                last_error=error[:500],
            ):
                return
        DELIVERY_ATTEMPTS.labels(delivery.channel, "failed").inc()
        log.error("notification_failed", delivery_id=delivery.id, attempts=attempts, error=error)

    async def _conclude(
        self, session: AsyncSession, delivery: ClaimedDelivery, event: Event, **values: object
    ) -> bool:
        """Record the delivery's final outcome and publish ``event`` about it, continuing the
        trace of the event that caused it; False (nothing published) if the claim was lost."""
        if not await self._finish(session, delivery, **values):
            return False
        await self.outbox.add(session, event, traceparent=delivery.cause_traceparent)
        return True

    async def _finish(
        self, session: AsyncSession, delivery: ClaimedDelivery, **values: object
    ) -> bool:
        if not await claims.finish(session, delivery, **values):
            log.warning("delivery_claim_lost", delivery_id=delivery.id)
            return False
        return True


def _notification_of(delivery: ClaimedDelivery) -> dict[str, Any]:
    """What NotificationDelivered and NotificationFailed say about the delivery."""
    return {
        "notification_id": delivery.id,
        "person_id": delivery.person_id,
        "channel": NotificationChannel(delivery.channel),
        "cause_event_id": delivery.cause_event_id,
        "template": delivery.template,
    }


# --- One sender per running service -------------------------------------------------------------


def build_sender(runtime: Runtime[NotificationSettings]) -> DeliverySender:
    settings = runtime.settings
    return DeliverySender(
        runtime.db,
        runtime.outbox,
        {NotificationChannel.EMAIL.value: EmailChannel(settings)},
        RetryPolicy(
            max_attempts=settings.delivery_max_attempts,
            base_seconds=settings.delivery_retry_base_seconds,
            max_seconds=settings.delivery_retry_max_seconds,
        ),
        batch_size=settings.sender_batch_size,
        poll_seconds=settings.sender_poll_seconds,
        lease_seconds=settings.sender_lease_seconds,
        attempt_lease_seconds=settings.attempt_lease_seconds,
        stop_timeout=settings.shutdown_timeout_seconds,
        clock=lambda: runtime.clock(),
    )


def sender_for(runtime: Runtime[NotificationSettings]) -> DeliverySender:
    """The sender of ``runtime`` (handlers, routes and start/stop all reach the same one)."""
    sender = runtime.extras.get("delivery_sender")
    if sender is None:
        sender = runtime.extras["delivery_sender"] = build_sender(runtime)
    assert isinstance(sender, DeliverySender)
    return sender


async def start_sender(runtime: Runtime[NotificationSettings]) -> None:
    sender = sender_for(runtime)
    await sender.log_held_claims()
    sender.start()


async def stop_sender(runtime: Runtime[NotificationSettings]) -> None:
    await sender_for(runtime).stop()
