"""Settings every service shares. Each service subclasses with its own env prefix.

Example: the intake service reads ``IDEAPAJA_INTAKE_DATABASE_URL``, ``IDEAPAJA_INTAKE_NATS_URL``…
"""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Annotated, Literal, Self

from limits import parse_many
from pydantic import AfterValidator, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from ideapaja_contracts.streams import (
    DEFAULT_DEAD_LETTER_STREAM,
    DEFAULT_HR_STREAM,
    DEFAULT_LIFECYCLE_STREAM,
)


def _http_peer_urls(value: dict[str, str]) -> dict[str, str]:
    for name, url in value.items():
        if not url.startswith(("http://", "https://")):
            raise ValueError(f"peer {name}: {url!r} is not an http(s) URL")
    return {name: url.rstrip("/") for name, url in value.items()}


def nats_servers(url: str) -> list[str]:
    """The servers in a ``nats_url`` setting: one URL, or a cluster's as a comma-separated list
    (``nats://nats-1:4222,nats://nats-2:4222,nats://nats-3:4222``), for nats-py's server pool:
    the client connects to any of them and fails over to the others."""
    return [part.strip() for part in url.split(",") if part.strip()]


# Other services' base URLs by name, as JSON (``…_PEER_URLS='{"intake": "http://intake:8001"}'``)
# for a service that calls them; the embedded runner gives every service the URLs of all it
# started. Each must be http(s); a trailing slash is dropped.
PeerUrls = Annotated[dict[str, str], AfterValidator(_http_peer_urls)]


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="IDEAPAJA_", extra="ignore")

    # Storage: PostgreSQL (postgresql+asyncpg://…) in production, SQLite (sqlite+aiosqlite:///…)
    # for the embedded default.
    database_url: str = "sqlite+aiosqlite:///ideapaja.db"
    nats_url: str = "nats://127.0.0.1:4222"
    nats_user: str | None = None
    nats_password: str | None = None

    http_host: str = "127.0.0.1"
    http_port: int = 8000
    log_level: str = "INFO"
    # Where this service says its events come from (CloudEvents ``source``).
    source: str = ""

    lifecycle_stream: str = DEFAULT_LIFECYCLE_STREAM
    hr_stream: str = DEFAULT_HR_STREAM
    dead_letter_stream: str = DEFAULT_DEAD_LETTER_STREAM
    # Replicas for streams this service creates when they are missing (3 on a NATS cluster).
    stream_replicas: int = Field(default=1, ge=1, le=5)
    # JetStream drops a re-published event with the same id within this window (seconds).
    duplicate_window_seconds: float = Field(default=600.0, gt=0)
    # Dead letters are kept this many days, then JetStream drops them: they may hold personal
    # data (an HR record, an idea's authors), so nothing waits there for ever. Operators replay
    # or fix within it (alert on messages in the dead-letter stream). No "unbounded" value.
    dead_letter_max_age_days: float = Field(default=30.0, gt=0, le=366)

    # Consumers: a failing event is redelivered with these delays (seconds), then dead-lettered.
    max_deliver: int = Field(default=5, ge=1, le=100)
    redelivery_backoff: list[float] = Field(default_factory=lambda: [1.0, 5.0, 15.0, 30.0])
    # A handler's RetryLater ("the event I depend on has not arrived yet") has its own budget.
    # What it waits for is usually milliseconds behind (another consumer of the same process
    # projecting the idea), so the first deliveries are retried after these delays (seconds;
    # each at most retry_later_delay_seconds), then every retry_later_delay_seconds, for another
    # service being down. By default 40 deliveries: 39 retries, 0.2+0.5+1+2+5 s then 34 × 15 s,
    # i.e. 519 s (about 8.6 minutes) before the event is dead-lettered. As an environment
    # variable a JSON list (…_RETRY_LATER_FIRST_DELAYS='[0.2, 1]'); '[]' retries at the one delay.
    retry_later_max_deliver: int = Field(default=40, ge=1, le=1000)
    retry_later_delay_seconds: float = Field(default=15.0, gt=0)
    retry_later_first_delays: list[Annotated[float, Field(gt=0)]] = Field(
        default_factory=lambda: [0.2, 0.5, 1.0, 2.0, 5.0], max_length=20
    )
    ack_wait_seconds: float = Field(default=60.0, gt=0)
    fetch_timeout_seconds: float = Field(default=2.0, gt=0)
    # A consumer handles up to this many waiting events in one transaction (one commit, then
    # the acks). Larger batches cost less per event but hold SQLite's one writer longer.
    consumer_batch_size: int = Field(default=50, ge=1, le=1000)

    outbox_poll_seconds: float = Field(default=1.0, gt=0)
    # A relay claims this many rows at a time and has as many publishes in flight: at 100, the
    # relay on PostgreSQL waited for each batch's last ack before sending more (0.38-0.43 of a raw
    # publisher with 256 in flight); at 256, 0.60 (bench row 3).
    outbox_batch_size: int = Field(default=256, ge=1, le=1000)
    # Published outbox rows are deleted this long after publishing (0: at the next purge, which
    # runs every few minutes); the stream holds the events.
    outbox_keep_sent_hours: float = Field(default=24.0, ge=0, le=24 * 90)
    publish_timeout_seconds: float = Field(default=5.0, gt=0)

    # Garbage collection of a service process (serve.py tune_gc): freeze what exists once the
    # service is built, and run young collections every this many new objects (0: Python's 700).
    gc_freeze_after_start: bool = True
    gc_young_threshold: int = Field(default=50_000, ge=0, le=10_000_000)

    # "production" refuses development conveniences (the embedded dev token issuer).
    environment: Literal["development", "production"] = "development"

    # Authentication: RS256 tokens from the city's identity provider (OIDC: its JWKS URL) or the
    # embedded dev issuer (a PEM public key).
    auth_jwks_url: str | None = None
    auth_jwks_cache_seconds: int = Field(default=300, ge=10)
    auth_public_key_file: Path | None = None
    auth_public_key: str | None = None
    auth_issuer: str = "ideapaja-dev"
    auth_audience: str = "ideapaja"
    auth_algorithms: list[str] = Field(default_factory=lambda: ["RS256"])
    auth_leeway_seconds: int = Field(default=30, ge=0, le=300)
    auth_roles_claim: str = "roles"
    auth_units_claim: str = "units"

    # Calls to other services: this service's own OAuth2 client at the identity provider, whose
    # token endpoint gives it access tokens by the client-credentials grant (client_credentials.py).
    # Only a service that calls others needs one (the privacy service's access report). Entra ID:
    # https://login.microsoftonline.com/<tenant>/oauth2/v2.0/token with scope
    # "api://<ideapaja app id>/.default"; Keycloak: <realm URL>/protocol/openid-connect/token.
    auth_token_url: str | None = None
    auth_client_id: str | None = None
    auth_client_secret: SecretStr | None = None
    auth_client_scope: str | None = None
    # Sent as ``audience`` when the provider wants one (e.g. Auth0); Entra ID takes the scope.
    auth_client_audience: str | None = None
    # How the secret is sent: HTTP Basic (RFC 6749 §2.3.1, every provider) or in the form body.
    auth_client_auth_method: Literal["client_secret_basic", "client_secret_post"] = (
        "client_secret_basic"
    )

    # Response headers: an API answers JSON, so nothing may load or frame it. The Swagger UI at
    # /docs loads its assets from a CDN and is therefore allowed them explicitly.
    content_security_policy: str = "default-src 'none'; frame-ancestors 'none'"
    hsts_max_age_seconds: int = Field(default=31_536_000, ge=0)
    max_body_bytes: int = Field(default=256 * 1024, ge=1024)
    shutdown_timeout_seconds: float = Field(default=15.0, gt=0)

    @field_validator("nats_url")
    @classmethod
    def _nats_url_names_a_server(cls, value: str) -> str:
        if not nats_servers(value):
            raise ValueError("nats_url names no server (one URL, or a comma-separated list)")
        return value

    @field_validator("auth_token_url")
    @classmethod
    def _token_url_is_http(cls, value: str | None) -> str | None:
        if value and not value.startswith(("http://", "https://")):
            raise ValueError(f"auth_token_url {value!r} is not an http(s) URL")
        return value or None

    @model_validator(mode="after")
    def _client_is_complete(self) -> Self:
        if self.auth_token_url and not (self.auth_client_id and self.auth_client_secret):
            raise ValueError("auth_token_url needs auth_client_id and auth_client_secret")
        return self

    # Per-client-IP rate limits (iplimits.py), in the ``limits`` notation: "N/second", "N/minute",
    # "N/hour" or "N/day", several joined with ";" (all must hold); empty switches one off.
    # Counted in a moving window. Generous on purpose: a whole office may reach the service from
    # one address (NAT), and per-person limits are the finer tool. Over a limit: 429 problem+json
    # with Retry-After, before anything is stored. A service may add its own limit NAME as a
    # setting ``rate_limit_per_ip_<NAME>`` and use it with ``per_ip("<NAME>")``.
    # Routes that create things (intake: every channel that submits an idea).
    rate_limit_per_ip_submissions: str = "60/minute;600/hour"
    # Failed authentications (a bearer or form token that does not verify; an expired but
    # genuine one does not count). Once over it, that address gets 429 before any token is
    # checked, valid ones included, until the window moves on.
    rate_limit_per_ip_auth_failures: str = "30/minute;300/hour"
    # Where the counts live: "memory://" (this process), or a store every replica shares, e.g.
    # "redis://host:6379" (needs the limits library's redis extra: ``limits[async-redis]``).
    # When the store fails, requests are let through and a warning is logged.
    rate_limit_storage_uri: str = "memory://"
    # Reverse proxies (IPs or CIDRs, JSON list) whose X-Forwarded-For and X-Forwarded-Proto are
    # believed: the client is then the right-most address in X-Forwarded-For that is not one
    # of them. Default: nobody, the client is the connection's peer and those headers are
    # ignored. Behind a load balancer or ingress set this to its addresses, or every client
    # shares the proxy's per-IP limits.
    trusted_proxies: list[str] = Field(default_factory=list)

    @field_validator("rate_limit_per_ip_submissions", "rate_limit_per_ip_auth_failures")
    @classmethod
    def _rate_limit(cls, value: str) -> str:
        return check_rate_limit(value)

    @field_validator("trusted_proxies")
    @classmethod
    def _trusted_proxies(cls, value: list[str]) -> list[str]:
        for entry in value:
            ipaddress.ip_network(entry.strip(), strict=False)  # ValueError names the entry
        return [entry.strip() for entry in value]


def check_rate_limit(value: str) -> str:
    """``value`` as a rate limit setting ("20/minute;200/hour", or empty for none), or a
    ValueError saying what is wrong with it. For services' own ``rate_limit_per_ip_*`` fields."""
    value = value.strip()
    if value:
        parse_many(value)
    return value
