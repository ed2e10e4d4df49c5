"""Settings of the portal (environment prefix ``IDEAPAJA_PORTAL_``)."""

from __future__ import annotations

from urllib.parse import urlsplit

from pydantic import Field, field_validator
from pydantic_settings import SettingsConfigDict

from ideapaja_runtime.settings import PeerUrls, ServiceSettings

LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1"})

# Pages load only the portal's own script, styles and images; forms post to the portal itself
# (and the login form to the identity provider, whose origin is added at start).
PORTAL_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; form-action 'self'; base-uri 'none'; "
    "frame-ancestors 'none'"
)


class PortalSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="IDEAPAJA_PORTAL_", extra="ignore")

    # The portal keeps only its sessions and people's language choices here: no business data.
    database_url: str = "sqlite+aiosqlite:///ideapaja-portal.db"
    http_port: int = 8000
    content_security_policy: str = PORTAL_CSP
    # An idea's attachment passes through the portal: intake's limit (5 MiB) and the form around it.
    max_body_bytes: int = Field(default=5 * 1024 * 1024 + 64 * 1024, ge=1024)

    # Where people reach the portal (its login callback is <public_url>/auth/callback, which
    # must be registered at the identity provider).
    public_url: str = "http://127.0.0.1:8000"
    # The city's OpenID Connect provider (its discovery document). The portal is its client
    # ``auth_client_id`` with ``auth_client_secret`` (the same client it may call services with).
    oidc_discovery_url: str | None = None
    oidc_scope: str = "openid profile email"

    # A session ends when the person's access token does, or after this long without a request.
    session_idle_minutes: int = Field(default=60, ge=1, le=24 * 60)
    session_cookie_name: str = "ideapaja_session"

    # The services the portal calls with the person's token, by name, as JSON
    # (IDEAPAJA_PORTAL_PEER_URLS='{"intake": "http://intake:8001", …}'); the embedded runner
    # gives every service the URLs of all it started.
    peer_urls: PeerUrls = Field(default_factory=dict)
    peer_timeout_seconds: float = Field(default=10.0, gt=0, le=120)

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value: str) -> str:
        """Session cookies are always Secure: over HTTPS, or on a loopback address, which
        browsers treat as a secure origin. Anywhere else plain HTTP could not keep a session."""
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"public_url {value!r} is not an http(s) URL")
        if parts.scheme == "http" and parts.hostname not in LOOPBACK:
            raise ValueError(
                f"public_url {value!r}: serve the portal over HTTPS (plain HTTP only on localhost)"
            )
        return value.rstrip("/")
