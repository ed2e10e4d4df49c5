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
sender (a ``DeliveryWorker``, ``delivery_worker.py``, shared with webhooks) claims a batch of due
deliveries with a lease (a short transaction); before sending one it records the attempt and
extends that delivery's lease over the longest SMTP conversation (a second short transaction),
sends outside any transaction, then in one transaction marks the delivery sent and adds
``NotificationDelivered`` to the outbox — the same transaction that records the beginning of the
batch's next delivery (one commit per mail; the outcome itself never waits for another mail).
A claimed batch is dealt into ``SMTP_CONVERSATIONS`` lanes sent side by side (``lanes``), each
lane's messages one after another over one reused SMTP conversation (``channels/email.py``,
``channels/pool.py``); as replicas do, lanes may deliver one person's mails a few milliseconds
out of the order they were queued in. A graceful stop hands back the deliveries it had not
begun, so the next start sends them at once; a killed sender's are free once its heartbeat is
``SENDER_HOLDER_TIMEOUT_SECONDS`` old, however long the attempt lease.

The one window where a mail can go out twice is a crash between the SMTP server's reply to the
data ("250 OK": the mail is accepted) and that commit (or a kill during the conversation: the
server may accept the data after the sender died); the channel returns at that reply (QUIT
comes after), so the window is one local transaction long. A delivery found with an attempt
recorded but no outcome is sent again with the same Message-ID (derived from the delivery id, so
a server or client that deduplicates on it drops the copy), logged and counted in
``ideapaja_notification_resent_after_interrupted_attempt_total`` — never silently.

Retries use persisted exponential back-off (``RetryPolicy``) rather than an in-process retry
library: a schedule in memory would be lost on restart and would keep a worker waiting through an
outage.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from prometheus_client import Counter
from sqlalchemy.ext.asyncio import AsyncSession

from ideapaja_contracts.events.notification import (
    NotificationChannel,
    NotificationDelivered,
    NotificationFailed,
)
from ideapaja_notification.channels import Channel, ChannelError, OutgoingMessage
from ideapaja_notification.channels.email import EmailChannel
from ideapaja_notification.channels.pool import ChannelPool
from ideapaja_notification.db import claims
from ideapaja_notification.db.claiming import ClaimRequest, Holding
from ideapaja_notification.db.claims import ClaimedDelivery
from ideapaja_notification.db.models import Delivery
from ideapaja_notification.delivery_worker import AttemptFailed, DeliveryWorker
from ideapaja_notification.domain.deliveries import RetryPolicy, lanes
from ideapaja_notification.settings import NotificationSettings
from ideapaja_notification.workers import claim_options, worker_of
from ideapaja_runtime.db import Database
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


class DeliverySender(DeliveryWorker[ClaimedDelivery]):
    channel = "email"
    log_name = "delivery"
    held_event = "deliveries_held_by_an_earlier_claim"
    table = Delivery

    def __init__(
        self,
        db: Database,
        outbox: Outbox,
        channels: Mapping[str, Channel],
        policy: RetryPolicy,
        *,
        batch_size: int = 20,
        conversations: int = 1,
        **worker: Any,
    ) -> None:
        # ``conversations`` lanes side by side, each its deliveries one after another (see
        # ``DeliveryWorker``); the channel must carry as many messages at once (``ChannelPool``).
        super().__init__(db, policy, concurrency=conversations, **worker)
        self.outbox = outbox
        self.channels = dict(channels)
        self.batch_size = batch_size

    async def claim(
        self, session: AsyncSession, request: ClaimRequest, slots: int
    ) -> tuple[list[list[ClaimedDelivery]], list[Holding]]:
        claimed, taken_over = await claims.claim_due(session, request, self.batch_size * slots)
        return lanes(claimed, slots), taken_over

    async def claim_due(self) -> list[ClaimedDelivery]:
        """Claim one batch (without sending it)."""
        return [delivery for group in await self.claim_groups(1) for delivery in group]

    async def deliver(self, item: ClaimedDelivery, now: datetime) -> dict[str, object]:
        channel = self.channels.get(item.channel)
        try:
            if channel is None:
                raise ChannelError(f"channel {item.channel!r} is not available", permanent=True)
            await channel.send(
                OutgoingMessage(
                    delivery_id=item.id,
                    person_id=item.person_id,
                    address=item.address,
                    language=item.language,
                    subject=item.subject,
                    body=item.body,
                    html=item.html,
                )
            )
        except ChannelError as exc:
            raise AttemptFailed(str(exc), permanent=exc.permanent) from exc
        return {}

    async def concluded(
        self, session: AsyncSession, item: ClaimedDelivery, error: str | None
    ) -> None:
        """Publish the outcome, continuing the trace of the event that caused the delivery."""
        event = (
            NotificationDelivered(**_notification_of(item))
            if error is None
            else NotificationFailed(**_notification_of(item), error=error[:200])
        )
        await self.outbox.add(session, event, traceparent=item.cause_traceparent)

    def outcome(self, item: ClaimedDelivery, outcome: str, **fields: object) -> None:
        DELIVERY_ATTEMPTS.labels(item.channel, outcome).inc()
        if outcome == "sent":
            log.info("notification_delivered", delivery_id=item.id, template=item.template)
        elif outcome == "retry":
            log.warning("notification_retry_scheduled", delivery_id=item.id, **fields)
        else:
            fields.pop("retry_in", None)
            log.error("notification_failed", delivery_id=item.id, **fields)

    async def close(self) -> None:
        for channel in self.channels.values():
            await channel.aclose()


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
    conversations = settings.smtp_conversations
    email = ChannelPool([EmailChannel(settings) for _ in range(conversations)])
    return DeliverySender(
        runtime.db,
        runtime.outbox,
        {NotificationChannel.EMAIL.value: email},
        RetryPolicy(
            max_attempts=settings.delivery_max_attempts,
            base_seconds=settings.delivery_retry_base_seconds,
            max_seconds=settings.delivery_retry_max_seconds,
        ),
        batch_size=settings.sender_batch_size,
        conversations=conversations,
        poll_seconds=settings.sender_poll_seconds,
        attempt_lease_seconds=settings.attempt_lease_seconds,
        stop_timeout=settings.shutdown_timeout_seconds,
        **claim_options(runtime),
    )


def sender_for(runtime: Runtime[NotificationSettings]) -> DeliverySender:
    """The sender of ``runtime`` (handlers, routes and start/stop all reach the same one)."""
    return worker_of(runtime, "delivery_sender", build_sender, DeliverySender)


async def start_sender(runtime: Runtime[NotificationSettings]) -> None:
    await sender_for(runtime).launch()


async def stop_sender(runtime: Runtime[NotificationSettings]) -> None:
    await sender_for(runtime).stop()
