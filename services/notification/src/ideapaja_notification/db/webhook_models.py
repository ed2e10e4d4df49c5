"""The webhook tables: endpoints admins registered, and one delivery per event and endpoint.

Endpoint configuration is not personal data. A delivery's ``payload`` is the event as sent, and
events name people by id: it is blanked when the person is erased and after
``WEBHOOK_PAYLOAD_RETENTION_DAYS`` (``usecases/webhook_deliveries.py``); the row stays as the
key that keeps a replayed event from being delivered twice, and as the log.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ideapaja_notification.db.models import NotificationBase, SentByClaim
from ideapaja_runtime.clock import UtcDateTime


class WebhookEndpoint(NotificationBase):
    __tablename__ = "webhook_endpoints"
    __table_args__ = (Index("ix_webhook_endpoints_created", "created_at", "id"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    description: Mapped[str] = mapped_column(String(500), default="")
    # CloudEvents types it receives (from the contracts registry).
    event_types: Mapped[list[Any]] = mapped_column(JSON)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    # Standard Webhooks symmetric secrets (whsec_…): kept to sign, shown only when made. During
    # a rotation's overlap the previous one signs beside the current one.
    secret: Mapped[str] = mapped_column(String(100))
    previous_secret: Mapped[str | None] = mapped_column(String(100), default=None)
    previous_secret_expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class WebhookDelivery(SentByClaim, NotificationBase):
    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        # One delivery per event and endpoint, however often the event arrives.
        UniqueConstraint("endpoint_id", "event_id", name="uq_webhook_deliveries_endpoint_event"),
        # The sender's due rows; an endpoint's log newest first; the retention purge.
        Index("ix_webhook_deliveries_status_due", "status", "next_attempt_at"),
        Index("ix_webhook_deliveries_endpoint_created", "endpoint_id", "created_at", "id"),
        Index("ix_webhook_deliveries_created", "created_at"),
    )

    # Also the webhook-id header: the same for every attempt and redelivery.
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    endpoint_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("webhook_endpoints.id", ondelete="CASCADE")
    )
    event_id: Mapped[str] = mapped_column(String(64))
    event_type: Mapped[str] = mapped_column(String(255))
    # The body sent, exactly (signatures cover these bytes); "" once purged or erased.
    payload: Mapped[str] = mapped_column(Text)
    payload_purged_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    last_status_code: Mapped[int | None] = mapped_column(Integer, default=None)
    # Times an admin asked for it again.
    redeliveries: Mapped[int] = mapped_column(Integer, default=0)

    @property
    def payload_purged(self) -> bool:
        return self.payload_purged_at is not None
