"""Access tokens for service-to-service calls: the OAuth2 client-credentials grant (RFC 6749 §4.4).

A service that calls another one (the privacy service's access report asks every service what it
holds on a person) authenticates as itself, not with a forwarded user token. It is an OAuth2
client of the city's identity provider (an app registration in Entra ID, a confidential client
with a service account in Keycloak; ``ideapaja up``'s dev issuer in the embedded default) and
asks the provider's token endpoint for a token carrying its service role (e.g.
``privacy-service``), which the called service's policy table admits for exactly the actions it
names.

``ServiceTokenProvider``:
- posts ``grant_type=client_credentials`` (with ``scope`` / ``audience`` if configured) to the
  token endpoint, authenticating with the client secret (HTTP Basic by default, RFC 6749
  §2.3.1, or in the form body);
- caches the token until ``refresh_margin`` seconds before ``expires_in`` runs out (half the
  lifetime for short-lived tokens), so calls do not wait for the provider;
- fetches once for many concurrent callers: they all await the same request;
- retries transient failures (connection errors, timeouts, 429 and 5xx) with exponential back-off
  (tenacity); a refusal (400/401: wrong secret, unknown client, scope not granted) fails at once
  with the provider's ``error`` code;
- if a refresh fails while the cached token is still valid, keeps using it (a short provider
  outage does not break calls) and logs a warning;
- never logs or shows the secret or a token (``SecretStr``, reprs without them).
"""

from __future__ import annotations

import asyncio
import base64
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import quote

import httpx
from pydantic import SecretStr
from tenacity import (
    AsyncRetrying,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential,
)

from ideapaja_runtime.logging import get_logger
from ideapaja_runtime.settings import ServiceSettings

log = get_logger(__name__)

AuthMethod = Literal["client_secret_basic", "client_secret_post"]
# When the provider names no lifetime (``expires_in`` is only RECOMMENDED) and the token is no JWT.
DEFAULT_LIFETIME_SECONDS = 300.0


class ServiceTokenError(RuntimeError):
    """No service token: the provider refused (``error`` from its answer) or could not be reached
    (``error`` None). The message never contains the secret."""

    def __init__(self, message: str, *, error: str | None = None, transient: bool = False) -> None:
        super().__init__(message)
        self.error = error
        self.transient = transient


@dataclass(frozen=True)
class _Cached:
    value: str
    refresh_at: float  # monotonic: fetch a new one from here on
    expires_at: float  # monotonic: unusable from here on

    def __repr__(self) -> str:  # never the token itself
        return f"_Cached(refresh_at={self.refresh_at:.1f}, expires_at={self.expires_at:.1f})"


class ServiceTokenProvider:
    def __init__(
        self,
        token_url: str,
        client_id: str,
        client_secret: SecretStr,
        *,
        scope: str | None = None,
        audience: str | None = None,
        auth_method: AuthMethod = "client_secret_basic",
        refresh_margin_seconds: float = 60.0,
        timeout_seconds: float = 10.0,
        attempts: int = 3,
        backoff_seconds: float = 0.5,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not token_url.startswith(("http://", "https://")):
            raise ValueError(f"token URL {token_url!r} is not an http(s) URL")
        self.token_url = token_url
        self.client_id = client_id
        self._secret = client_secret
        self.scope = scope
        self.audience = audience
        self.auth_method = auth_method
        self.refresh_margin = refresh_margin_seconds
        self.attempts = max(1, attempts)
        self.backoff = backoff_seconds
        self._clock = clock
        self._client = httpx.AsyncClient(
            timeout=timeout_seconds,
            transport=transport,
            follow_redirects=False,
            # A client secret goes through no proxy picked up from the environment.
            trust_env=False,
        )
        self._cached: _Cached | None = None
        self._fetching: asyncio.Task[_Cached] | None = None
        self.requests = 0  # token requests sent (attempts included), for tests and metrics

    @classmethod
    def from_settings(cls, settings: ServiceSettings, **kwargs: Any) -> ServiceTokenProvider | None:
        """The provider the settings configure, or None when they configure no client."""
        if not settings.auth_token_url:
            return None
        if not settings.auth_client_id or settings.auth_client_secret is None:
            raise ValueError("auth_token_url needs auth_client_id and auth_client_secret")
        return cls(
            settings.auth_token_url,
            settings.auth_client_id,
            settings.auth_client_secret,
            scope=settings.auth_client_scope,
            audience=settings.auth_client_audience,
            auth_method=settings.auth_client_auth_method,
            **kwargs,
        )

    def __repr__(self) -> str:
        return f"ServiceTokenProvider({self.token_url!r}, client_id={self.client_id!r})"

    async def token(self) -> str:
        """A valid access token: the cached one, or a new one from the token endpoint."""
        now = self._clock()
        cached = self._cached
        if cached is not None and now < cached.refresh_at:
            return cached.value
        # One request for every caller that finds the token missing or due (no await between the
        # check and creating the task, so no second task can start in between).
        if self._fetching is None or self._fetching.done():
            self._fetching = asyncio.create_task(self._fetch(), name="service-token")
        try:
            # A caller that gives up (cancelled) does not cancel the others' request.
            fresh = await asyncio.shield(self._fetching)
        except ServiceTokenError as exc:
            if cached is not None and self._clock() < cached.expires_at:
                log.warning(
                    "service_token_refresh_failed_using_cached",
                    client_id=self.client_id,
                    error=str(exc),
                    valid_for_seconds=round(cached.expires_at - self._clock(), 1),
                )
                return cached.value
            raise
        return fresh.value

    async def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {await self.token()}"}

    def invalidate(self, token: str) -> None:
        """Forget ``token`` (a called service refused it: revoked, key rotated), so the next
        ``token()`` fetches a new one. Another token cached meanwhile is kept."""
        if self._cached is not None and self._cached.value == token:
            self._cached = None

    async def aclose(self) -> None:
        if self._fetching is not None and not self._fetching.done():
            self._fetching.cancel()
        await self._client.aclose()

    # -- the token request -------------------------------------------------------------------

    async def _fetch(self) -> _Cached:
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self.attempts),
            wait=wait_exponential(multiplier=self.backoff, max=10),
            retry=retry_if_exception(
                lambda exc: isinstance(exc, ServiceTokenError) and exc.transient
            ),
            reraise=True,
        )
        async for attempt in retrying:
            with attempt:
                cached = await self._request_once()
        self._cached = cached
        return cached

    async def _request_once(self) -> _Cached:
        form = {"grant_type": "client_credentials"}
        if self.scope:
            form["scope"] = self.scope
        if self.audience:
            form["audience"] = self.audience
        headers = {"Accept": "application/json"}
        if self.auth_method == "client_secret_basic":
            headers["Authorization"] = _basic(self.client_id, self._secret.get_secret_value())
        else:
            form["client_id"] = self.client_id
            form["client_secret"] = self._secret.get_secret_value()
        self.requests += 1
        started = self._clock()
        try:
            response = await self._client.post(self.token_url, data=form, headers=headers)
        except httpx.HTTPError as exc:
            log.warning(
                "service_token_unreachable",
                client_id=self.client_id,
                token_url=self.token_url,
                error=type(exc).__name__,
            )
            raise ServiceTokenError(
                f"token endpoint {self.token_url} unreachable: {type(exc).__name__}",
                transient=True,
            ) from exc
        body = _json_object(response)
        if response.status_code != 200:
            error = body.get("error") if isinstance(body.get("error"), str) else None
            transient = response.status_code == 429 or response.status_code >= 500
            log.warning(
                "service_token_refused",
                client_id=self.client_id,
                token_url=self.token_url,
                status=response.status_code,
                error=error,
            )
            description = body.get("error_description")
            raise ServiceTokenError(
                f"token endpoint {self.token_url} answered {response.status_code}"
                + (f" {error}" if error else "")
                + (f": {description}" if isinstance(description, str) else ""),
                error=error,
                transient=transient,
            )
        token = body.get("access_token")
        token_type = body.get("token_type")
        if not isinstance(token, str) or not token:
            raise ServiceTokenError(f"token endpoint {self.token_url} sent no access_token")
        if not isinstance(token_type, str) or token_type.lower() != "bearer":
            raise ServiceTokenError(
                f"token endpoint {self.token_url} sent token_type {token_type!r}, not Bearer"
            )
        lifetime = _lifetime(body.get("expires_in"), token)
        # Early by the margin, but never later than half way for short-lived tokens.
        early = min(self.refresh_margin, lifetime / 2)
        log.info(
            "service_token_obtained",
            client_id=self.client_id,
            expires_in=lifetime,
            scope=body.get("scope") if isinstance(body.get("scope"), str) else None,
        )
        return _Cached(token, started + lifetime - early, started + lifetime)


def _basic(client_id: str, secret: str) -> str:
    """RFC 6749 §2.3.1: both form-urlencoded, then joined by ":" and base64-encoded."""
    raw = f"{quote(client_id, safe='')}:{quote(secret, safe='')}".encode()
    return "Basic " + base64.b64encode(raw).decode("ascii")


def _json_object(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except (ValueError, json.JSONDecodeError):
        return {}
    return body if isinstance(body, dict) else {}


def _lifetime(expires_in: object, token: str) -> float:
    """Seconds the token lives: ``expires_in``, else the JWT's ``exp`` (read, not verified: only
    to know when to fetch again), else a default."""
    if isinstance(expires_in, int | float) and not isinstance(expires_in, bool) and expires_in > 0:
        return float(expires_in)
    if isinstance(expires_in, str) and expires_in.isdigit() and int(expires_in) > 0:
        return float(expires_in)  # some providers send it as a string
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        remaining = float(claims["exp"]) - time.time()
    except (IndexError, ValueError, KeyError, TypeError):
        return DEFAULT_LIFETIME_SECONDS
    return max(remaining, 1.0)
