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

from datetime import datetime
from typing import TYPE_CHECKING, Any

from prometheus_client import Counter
from sqlalchemy.ext.asyncio import AsyncSession

from ideapaja_notification.channels.webhook import WebhookError, WebhookPoster
from ideapaja_notification.db import webhook_claims as claims
from ideapaja_notification.db.claiming import ClaimRequest, Holding
from ideapaja_notification.db.webhook_claims import ClaimedWebhook
from ideapaja_notification.db.webhook_models import WebhookDelivery
from ideapaja_notification.delivery_worker import AttemptFailed, DeliveryWorker
from ideapaja_notification.domain.deliveries import RetryPolicy
from ideapaja_notification.domain.webhooks import signing_secrets
from ideapaja_notification.settings import NotificationSettings
from ideapaja_notification.workers import claim_options, worker_of
from ideapaja_runtime.db import Database
from ideapaja_runtime.logging import get_logger

if TYPE_CHECKING:
    from ideapaja_runtime.service import Runtime

log = get_logger(__name__)

WEBHOOK_ATTEMPTS = Counter(
    "ideapaja_notification_webhook_attempts_total",
    "Webhook requests, by outcome (sent, retry, failed)",
    ["outcome"],
)


class WebhookSender(DeliveryWorker[ClaimedWebhook]):
    channel = "webhook"
    log_name = "webhook"
    held_event = "webhook_deliveries_held_by_an_earlier_claim"
    table = WebhookDelivery
    release_rest_after_failure = True

    def __init__(
        self,
        db: Database,
        poster: WebhookPoster,
        policy: RetryPolicy,
        *,
        concurrency: int = 10,
        attempt_lease_seconds: float = 70.0,
        **worker: Any,
    ) -> None:
        super().__init__(
            db,
            policy,
            concurrency=concurrency,
            attempt_lease_seconds=attempt_lease_seconds,
            **worker,
        )
        self.poster = poster

    async def claim(
        self, session: AsyncSession, request: ClaimRequest, slots: int
    ) -> tuple[list[list[ClaimedWebhook]], list[Holding]]:
        return await claims.claim_due(session, request, slots)

    def begin_values(self, now: datetime) -> dict[str, object]:
        return {"last_attempt_at": now}

    async def deliver(self, item: ClaimedWebhook, now: datetime) -> dict[str, object]:
        secrets = signing_secrets(
            item.secret, item.previous_secret, item.previous_secret_expires_at, now
        )
        try:
            status = await self.poster.post(item.url, item.id, item.payload.encode(), secrets, now)
        except WebhookError as exc:
            raise AttemptFailed(
                str(exc), permanent=exc.permanent, last_status_code=exc.status_code
            ) from exc
        return {"last_status_code": status}

    def unexpected(self, item: ClaimedWebhook, exc: Exception) -> AttemptFailed:
        log.exception("webhook_request_error", delivery_id=item.id)
        return AttemptFailed(repr(exc), permanent=False, last_status_code=None)

    def outcome(self, item: ClaimedWebhook, outcome: str, **fields: object) -> None:
        WEBHOOK_ATTEMPTS.labels(outcome).inc()
        if outcome == "sent":
            log.info("webhook_delivered", delivery_id=item.id, endpoint_id=item.endpoint_id)
        else:
            log.warning(
                f"webhook_{outcome}", delivery_id=item.id, endpoint_id=item.endpoint_id, **fields
            )

    async def close(self) -> None:
        await self.poster.aclose()


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
        attempt_lease_seconds=settings.webhook_attempt_lease_seconds,
        stop_timeout=min(settings.shutdown_timeout_seconds, settings.webhook_timeout_seconds),
        **claim_options(runtime),
    )


def webhook_sender_for(runtime: Runtime[NotificationSettings]) -> WebhookSender:
    """The webhook sender of ``runtime`` (handlers, routes and start/stop reach the same one)."""
    return worker_of(runtime, "webhook_sender", build_webhook_sender, WebhookSender)
