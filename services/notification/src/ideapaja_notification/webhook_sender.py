"""The webhook sender: a background loop of its own that POSTs pending webhook deliveries.

Separate from the e-mail sender (``sender.py``) and from the consumers, with its own table and
claims, so an endpoint that fails or hangs never delays an e-mail or an inbox item. Within it,
endpoints are served side by side (``WEBHOOK_CONCURRENCY`` slots), each endpoint's deliveries
one after another in one slot, each request bounded by ``WEBHOOK_TIMEOUT_SECONDS``: a hanging
endpoint holds one slot that long and hands back the other deliveries it had claimed.

Exactly once per event and endpoint: the handler commits the delivery row (unique on endpoint
and event, id derived from both) with the consumer's inbox row; the sender claims it, records
that the attempt begins, sends outside any transaction, and records the outcome only while its
claim holds (``db/webhook_claims.py``). Every attempt, retry and redelivery carries the same
``webhook-id``, so the one copy a crash between the endpoint's answer and that record can cause
is one the receiver drops, as Standard Webhooks asks receivers to.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from datetime import timedelta
from typing import TYPE_CHECKING

from prometheus_client import Counter

from ideapaja_notification.channels.webhook import WebhookError, WebhookPoster
from ideapaja_notification.db import webhook_claims as claims
from ideapaja_notification.db.webhook_claims import ClaimedWebhook
from ideapaja_notification.domain.deliveries import DeliveryStatus, RetryPolicy
from ideapaja_notification.domain.webhooks import signing_secrets
from ideapaja_notification.settings import NotificationSettings
from ideapaja_runtime.clock import Clock, utc_now
from ideapaja_runtime.db import Database, is_sqlite
from ideapaja_runtime.logging import get_logger

if TYPE_CHECKING:
    from ideapaja_runtime.service import Runtime

log = get_logger(__name__)

WEBHOOK_ATTEMPTS = Counter(
    "ideapaja_notification_webhook_attempts_total",
    "Webhook requests, by outcome (sent, retry, failed)",
    ["outcome"],
)


class WebhookSender:
    def __init__(
        self,
        db: Database,
        poster: WebhookPoster,
        policy: RetryPolicy,
        *,
        concurrency: int = 10,
        poll_seconds: float = 1.0,
        lease_seconds: float = 60.0,
        attempt_lease_seconds: float = 70.0,
        stop_timeout: float = 15.0,
        clock: Clock = utc_now,
    ) -> None:
        self.db = db
        self.poster = poster
        self.policy = policy
        self.concurrency = concurrency
        self.poll_seconds = poll_seconds
        self.lease = timedelta(seconds=lease_seconds)
        self.attempt_lease = timedelta(seconds=attempt_lease_seconds)
        self.stop_timeout = stop_timeout
        self.clock = clock
        self._wake = asyncio.Event()
        self._stopping = False
        self._loop: asyncio.Task[None] | None = None
        self._requests: set[asyncio.Task[None]] = set()
        self._held: set[str] = set()

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        self._stopping = False
        self._loop = asyncio.create_task(self.run(), name="webhook-sender")

    async def stop(self) -> None:
        """Let requests in flight finish (bounded), then hand back what was not begun."""
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
        if self._held:
            async with self.db.transaction() as session:
                released = await claims.release_unbegun(session, self._held)
            self._held.clear()
            if released:
                log.info("webhook_claims_released", deliveries=released)
        await self.poster.aclose()

    async def run(self) -> None:
        failures = 0
        while not self._stopping:
            free = self.concurrency - len(self._requests)
            claimed: list[list[ClaimedWebhook]] = []
            if free > 0:
                try:
                    claimed = await self.claim_due(free)
                    failures = 0
                except Exception as exc:
                    failures += 1
                    delay = min(30.0, 0.5 * 2**failures)
                    log.warning("webhook_sender_failed", error=repr(exc), retry_in=delay)
                    await self._sleep(delay)
                    continue
            for group in claimed:
                task = asyncio.create_task(self.send_in_order(group), name="webhook-endpoint")
                self._requests.add(task)
                task.add_done_callback(self._request_done)
            if not claimed:
                await self._sleep(self.poll_seconds)

    def _request_done(self, task: asyncio.Task[None]) -> None:
        self._requests.discard(task)
        self._wake.set()  # a slot is free, and the endpoint may have more waiting

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), seconds)
        self._wake.clear()

    async def claim_due(self, limit: int) -> list[list[ClaimedWebhook]]:
        token = uuid.uuid4().hex
        async with self.db.transaction() as session:
            claimed = await claims.claim_due(
                session,
                token=token,
                now=self.clock(),
                lease=self.lease,
                limit=limit,
                skip_locked=not is_sqlite(self.db.url),
            )
        if claimed:
            self._held.add(token)
        return claimed

    async def send_in_order(self, group: list[ClaimedWebhook]) -> None:
        """One endpoint's claimed deliveries, one after another; after a failure (the endpoint
        is down or slow) the rest are handed back rather than each waiting its timeout here."""
        for index, delivery in enumerate(group):
            if self._stopping or not await self.attempt(delivery):
                rest = [d.id for d in group[index + 1 :] if not self._stopping]
                if rest:
                    with contextlib.suppress(Exception):  # else their lease lapses
                        async with self.db.transaction() as session:
                            await claims.release_unbegun(session, {delivery.token}, rest)
                return

    async def attempt(self, delivery: ClaimedWebhook) -> bool:
        """Send one delivery and record how it went; whether the endpoint accepted it."""
        try:
            return await self._attempt(delivery)
        except Exception as exc:  # the database is away: the claim lapses and it is tried again
            log.warning("webhook_attempt_not_recorded", delivery_id=delivery.id, error=repr(exc))
            return False

    async def _attempt(self, delivery: ClaimedWebhook) -> bool:
        now = self.clock()
        async with self.db.transaction() as session:
            ours = await claims.begin_attempt(session, delivery, now=now, lease=self.attempt_lease)
        if not ours:
            log.warning("webhook_claim_lost", delivery_id=delivery.id)
            return False
        if delivery.interrupted_attempt_at is not None:
            log.warning(
                "webhook_resent_after_interrupted_attempt",
                delivery_id=delivery.id,
                why="a sender began it and died before recording the outcome; the receiver "
                "drops the copy by its webhook-id",
            )
        secrets = signing_secrets(
            delivery.secret, delivery.previous_secret, delivery.previous_secret_expires_at, now
        )
        try:
            status = await self.poster.post(
                delivery.url, delivery.id, delivery.payload.encode(), secrets, now
            )
        except WebhookError as exc:
            await self.record_failure(delivery, exc)
        except Exception as exc:
            log.exception("webhook_request_error", delivery_id=delivery.id)
            await self.record_failure(delivery, WebhookError(repr(exc), permanent=False))
        else:
            await self.record_sent(delivery, status)
            return True
        return False

    async def record_sent(self, delivery: ClaimedWebhook, status: int) -> None:
        async with self.db.transaction() as session:
            recorded = await claims.finish(
                session,
                delivery,
                status=DeliveryStatus.SENT.value,
                sent_at=self.clock(),
                attempts=delivery.attempts + 1,
                last_status_code=status,
                last_error=None,
            )
        if recorded:
            WEBHOOK_ATTEMPTS.labels("sent").inc()
            log.info("webhook_delivered", delivery_id=delivery.id, endpoint_id=delivery.endpoint_id)

    async def record_failure(self, delivery: ClaimedWebhook, error: WebhookError) -> None:
        attempts = delivery.attempts + 1
        delay = self.policy.delay_after(attempts, permanent=error.permanent)
        now = self.clock()
        values: dict[str, object] = {
            "attempts": attempts,
            "last_error": str(error)[:500],
            "last_status_code": error.status_code,
        }
        if delay is None:
            values |= {"status": DeliveryStatus.FAILED.value, "failed_at": now}
        else:
            values["next_attempt_at"] = now + timedelta(seconds=delay)
        async with self.db.transaction() as session:
            recorded = await claims.finish(session, delivery, **values)
        if not recorded:
            return
        outcome = "failed" if delay is None else "retry"
        WEBHOOK_ATTEMPTS.labels(outcome).inc()
        log.warning(
            f"webhook_{outcome}",
            delivery_id=delivery.id,
            endpoint_id=delivery.endpoint_id,
            attempts=attempts,
            retry_in=delay,
            error=str(error),
        )


# --- One sender per running service -------------------------------------------------------------


def build_webhook_sender(runtime: Runtime[NotificationSettings]) -> WebhookSender:
    settings = runtime.settings
    return WebhookSender(
        runtime.db,
        WebhookPoster(settings.webhook_allowed_networks, settings.webhook_timeout_seconds),
        RetryPolicy(
            max_attempts=settings.webhook_max_attempts,
            base_seconds=settings.webhook_retry_base_seconds,
            max_seconds=settings.webhook_retry_max_seconds,
        ),
        concurrency=settings.webhook_concurrency,
        poll_seconds=settings.webhook_poll_seconds,
        lease_seconds=settings.sender_lease_seconds,
        attempt_lease_seconds=settings.webhook_attempt_lease_seconds,
        stop_timeout=min(settings.shutdown_timeout_seconds, settings.webhook_timeout_seconds),
        clock=lambda: runtime.clock(),
    )


def webhook_sender_for(runtime: Runtime[NotificationSettings]) -> WebhookSender:
    """The webhook sender of ``runtime`` (handlers, routes and start/stop reach the same one)."""
    sender = runtime.extras.get("webhook_sender")
    if sender is None:
        sender = runtime.extras["webhook_sender"] = build_webhook_sender(runtime)
    assert isinstance(sender, WebhookSender)
    return sender
