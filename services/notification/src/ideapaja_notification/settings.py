"""Settings of the notification service (env prefix ``IDEAPAJA_NOTIFICATION_``)."""

from __future__ import annotations

from datetime import time
from typing import Literal

from pydantic import Field, IPvAnyNetwork, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from ideapaja_runtime.settings import ServiceSettings


class NotificationSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="IDEAPAJA_NOTIFICATION_", extra="ignore")

    http_port: int = 8004

    # SMTP relay. The defaults reach the local mail catcher of the embedded stack.
    smtp_host: str = "127.0.0.1"
    smtp_port: int = Field(default=1025, ge=1, le=65535)
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    # Upgrade a plain connection with STARTTLS (submission port 587) ...
    smtp_starttls: bool = False
    # ... or speak TLS from the first byte (port 465). At most one of the two.
    smtp_tls: bool = False
    # Connecting and each command's reply ...
    smtp_timeout_seconds: float = Field(default=30.0, gt=0)
    # ... except the reply to the end of the message data: RFC 5321 4.5.3.2.6 recommends
    # 10 minutes, since giving up sooner sends a second copy of a mail the server has accepted.
    smtp_data_timeout_seconds: float = Field(default=600.0, gt=0)
    # One SMTP conversation (connect, greeting, EHLO, TLS, login) carries up to this many
    # messages, one after another (1: a conversation per message, as before); it is closed with
    # QUIT once idle this long, and when the sender stops. Relays commonly limit messages per
    # connection (Exchange, hosted relays: often 100) and drop idle clients after 5 minutes
    # (RFC 5321 4.5.3.2.7); a server that closed it is reconnected to transparently.
    smtp_max_messages_per_conversation: int = Field(default=100, ge=1, le=10000)
    smtp_idle_seconds: float = Field(default=10.0, gt=0, le=300)
    # Conversations sending side by side (each as above): one carried ~45 mails a second here,
    # so a burst of notices held a decision's e-mail for seconds. Relays allow several
    # connections per client (Postfix: 50 by default); lower it for one that allows fewer.
    smtp_conversations: int = Field(default=4, ge=1, le=32)
    mail_from: str = Field(default="Ideapaja <ideapaja@localhost>", max_length=200)

    # Delivery: an attempt that fails for a transient reason is retried after
    # base * 2**(attempt-1) seconds (capped), and recorded as failed after max_attempts.
    delivery_max_attempts: int = Field(default=8, ge=1, le=50)
    delivery_retry_base_seconds: float = Field(default=10.0, gt=0)
    delivery_retry_max_seconds: float = Field(default=1800.0, gt=0)
    # The sender looks for due deliveries this often (it is also woken on every new one).
    sender_poll_seconds: float = Field(default=1.0, gt=0)
    sender_batch_size: int = Field(default=20, ge=1, le=500)
    # A claimed batch belongs to one sender (replica) this long; if that sender is killed the
    # deliveries it had not begun are picked up again after it (a graceful stop hands them back
    # at once). A delivery being sent is held longer: over the whole SMTP conversation.
    sender_lease_seconds: float = Field(default=60.0, gt=0)
    # Each sender (e-mail, webhooks; every process start a new one) says it lives this often.
    # Its claims bind only while it does: once its heartbeat is older than the holder timeout
    # (killed, or cut off from the database) they are taken over at once, lease or not — a
    # begun e-mail with the same Message-ID. Keep the timeout several beats long, and longer
    # than the clock difference between replicas.
    sender_heartbeat_seconds: float = Field(default=5.0, gt=0, le=300)
    sender_holder_timeout_seconds: float = Field(default=15.0, gt=0, le=3600)

    # The in-app inbox keeps an item this long; the purge runs this often (0: never).
    inbox_retention_days: int = Field(default=365, ge=1, le=3650)
    inbox_purge_seconds: float = Field(default=3600.0, ge=0)
    inbox_purge_batch_size: int = Field(default=500, ge=1, le=10000)

    # Webhooks (webhook_sender.py). Requests go only to hosts on this allow-list: exact names,
    # or "*.example.fi" for the subdomains of one ("*" alone: any host, not recommended) ...
    webhook_allowed_hosts: list[str] = Field(default_factory=list, max_length=200)
    # ... and never to a loopback, private, link-local, multicast or reserved address (checked on
    # the address each request connects to) unless it lies in one of these networks.
    webhook_allowed_networks: list[IPvAnyNetwork] = Field(default_factory=list, max_length=50)
    # Plain http:// endpoints (a test receiver, an internal relay); https only otherwise.
    webhook_allow_http: bool = False
    # The whole request, connecting to reading the status line.
    webhook_timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    webhook_max_attempts: int = Field(default=10, ge=1, le=50)
    webhook_retry_base_seconds: float = Field(default=10.0, gt=0)
    webhook_retry_max_seconds: float = Field(default=3600.0, gt=0)
    # Endpoints served at once (one request per endpoint at a time: a slow endpoint holds one).
    webhook_concurrency: int = Field(default=10, ge=1, le=200)
    webhook_poll_seconds: float = Field(default=1.0, gt=0)
    # After a rotation the old secret still signs (beside the new one) this long.
    webhook_secret_overlap_seconds: float = Field(default=86400.0, ge=0)
    # A concluded delivery's payload (the event, which may name people) is blanked after this.
    webhook_payload_retention_days: int = Field(default=30, ge=1, le=3650)

    @property
    def webhook_attempt_lease_seconds(self) -> float:
        """How long a webhook delivery being sent is held: the request and a margin to record."""
        return self.webhook_timeout_seconds + 60

    # Digests (preferences "daily" and "weekly"): at this local time in Europe/Helsinki, every
    # day or on this weekday; the job looks for due digests this often (0: never), building
    # this many people's digests per transaction.
    digest_time: time = time(7, 0)
    digest_weekday: Literal[
        "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"
    ] = "monday"
    digest_poll_seconds: float = Field(default=60.0, ge=0)
    digest_batch_size: int = Field(default=100, ge=1, le=1000)

    @property
    def digest_weekday_number(self) -> int:
        """Monday = 0, as ``date.weekday()`` counts."""
        return _WEEKDAYS.index(self.digest_weekday)

    @property
    def attempt_lease_seconds(self) -> float:
        """How long a delivery being sent is held: on a reused conversation RSET, MAIL and RCPT
        (a server that closed it meanwhile answers one of them late or not at all), then
        connecting, greeting, TLS, login, MAIL and RCPT on a fresh one, each within the SMTP
        timeout; then the reply to the data, and a margin for recording the outcome — so no
        other sender takes over a mail still being sent."""
        return 9 * self.smtp_timeout_seconds + self.smtp_data_timeout_seconds + 60

    @model_validator(mode="after")
    def _one_tls_mode(self) -> NotificationSettings:
        if self.smtp_starttls and self.smtp_tls:
            raise ValueError("set smtp_starttls or smtp_tls, not both")
        if self.sender_holder_timeout_seconds < 2 * self.sender_heartbeat_seconds:
            # One late beat (a busy database, a paused process) must not make a live sender dead.
            raise ValueError("sender_holder_timeout_seconds must be at least two heartbeats")
        return self


_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
