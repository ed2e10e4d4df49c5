"""Settings every service shares. Each service subclasses with its own env prefix.

Example: the intake service reads ``IDEAPAJA_INTAKE_DATABASE_URL``, ``IDEAPAJA_INTAKE_NATS_URL``…
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal, Self

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from ideapaja_contracts.streams import (
    DEFAULT_DEAD_LETTER_STREAM,
    DEFAULT_HR_STREAM,
    DEFAULT_LIFECYCLE_STREAM,
)


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
    # A handler's RetryLater ("the event I depend on has not arrived yet") waits longer:
    # by default 40 deliveries 15 s apart, i.e. 10 minutes of another service being down.
    retry_later_max_deliver: int = Field(default=40, ge=1, le=1000)
    retry_later_delay_seconds: float = Field(default=15.0, gt=0)
    ack_wait_seconds: float = Field(default=60.0, gt=0)
    fetch_timeout_seconds: float = Field(default=2.0, gt=0)

    outbox_poll_seconds: float = Field(default=1.0, gt=0)
    outbox_batch_size: int = Field(default=100, ge=1, le=1000)
    publish_timeout_seconds: float = Field(default=5.0, gt=0)

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
