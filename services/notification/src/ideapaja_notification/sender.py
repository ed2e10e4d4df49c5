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
sender claims due deliveries with a lease (a short transaction), sends outside any transaction,
then in one transaction marks the delivery sent and adds ``NotificationDelivered`` to the outbox.
A crash between the SMTP server's "250 OK" and that commit is the one window where a mail can go
out twice; the copy has the same Message-ID (derived from the delivery id), so a server or client
that deduplicates on it drops it. Retries use persisted exponential back-off (``RetryPolicy``)
rather than an in-process retry library: a schedule in memory would be lost on restart and would
keep a worker waiting through an outage.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any, cast

from prometheus_client import Counter
from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ideapaja_contracts import Event
from ideapaja_contracts.events.notification import (
    NotificationChannel,
    NotificationDelivered,
    NotificationFailed,
)
from ideapaja_notification.channels import Channel, ChannelError, OutgoingMessage
from ideapaja_notification.channels.email import EmailChannel
from ideapaja_notification.db.models import Delivery
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
        lease_seconds: float = 300.0,
        stop_timeout: float = 15.0,
        clock: Clock = utc_now,
    ) -> None:
        self.db = db
        self.outbox = outbox
        self.channels = dict(channels)
        self.policy = policy
        self.batch_size = batch_size
        self.poll_seconds = poll_seconds
        self.lease = timedelta(seconds=lease_seconds)
        self.stop_timeout = stop_timeout
        # The service's time (``runtime.clock``): tests control when a retry is due.
        self.clock = clock
        self._wake = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        self._stopping = False
        self._task = asyncio.create_task(self.run(), name="delivery-sender")

    async def stop(self) -> None:
        """Let the mail in hand finish (bounded); the rest stays pending for the next start."""
        self._stopping = True
        self._wake.set()
        if self._task is None:
            return
        try:
            await asyncio.wait_for(asyncio.shield(self._task), self.stop_timeout)
        except TimeoutError:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self._task = None

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
                # Leave the rest claimed: the lease lapses and the next start sends them.
                break
            await self.attempt(delivery)
        return len(claimed)

    async def claim_due(self) -> list[ClaimedDelivery]:
        now = self.clock()
        token = uuid.uuid4().hex
        due = (
            Delivery.status == DeliveryStatus.PENDING.value,
            Delivery.next_attempt_at <= now,
            or_(Delivery.lease_expires_at.is_(None), Delivery.lease_expires_at <= now),
        )
        async with self.db.transaction() as session:
            query = (
                select(Delivery.id)
                .where(*due)
                .order_by(Delivery.next_attempt_at, Delivery.created_at)
                .limit(self.batch_size)
            )
            if not is_sqlite(self.db.url):
                # Replicas share the table: each due row is claimed by one sender.
                query = query.with_for_update(skip_locked=True)
            ids = list((await session.scalars(query)).all())
            if not ids:
                return []
            await session.execute(
                update(Delivery)
                .where(Delivery.id.in_(ids), *due)
                .values(claim_token=token, lease_expires_at=now + self.lease)
                .execution_options(synchronize_session=False)
            )
            rows = (
                await session.scalars(
                    select(Delivery)
                    .where(Delivery.claim_token == token)
                    .order_by(Delivery.next_attempt_at, Delivery.created_at)
                )
            ).all()
            return [_claimed(row, token) for row in rows]

    async def attempt(self, delivery: ClaimedDelivery) -> None:
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
        """Record an outcome and release the claim, if the claim is still ours.

        A sender whose lease lapsed (it stalled longer than ``sender_lease_seconds``) must not
        overwrite what the sender that took over recorded.
        """
        result = await session.execute(
            update(Delivery)
            .where(
                Delivery.id == delivery.id,
                Delivery.claim_token == delivery.token,
                Delivery.status == DeliveryStatus.PENDING.value,
            )
            .values(claim_token=None, lease_expires_at=None, **values)
            .execution_options(synchronize_session=False)
        )
        if cast(int, getattr(result, "rowcount", 0)) != 1:
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


def _claimed(row: Delivery, token: str) -> ClaimedDelivery:
    return ClaimedDelivery(
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
    )


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
    sender_for(runtime).start()


async def stop_sender(runtime: Runtime[NotificationSettings]) -> None:
    await sender_for(runtime).stop()
