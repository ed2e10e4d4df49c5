"""Asking every other service what it holds on a person (``GET /privacy/persons/{id}``).

The privacy service asks as itself: with its own access token from the identity provider
(client-credentials grant, ``ideapaja_runtime.client_credentials``; settings ``AUTH_TOKEN_URL``,
``AUTH_CLIENT_ID``, ``AUTH_CLIENT_SECRET``), whose role ``privacy-service`` every service's
``privacy.report`` policy admits for anyone. The caller is authorized before that by this
service's own policy (a person their own report, HR and admins anyone's) and named in the audit
log; their token never leaves this service. Their person id goes along in the
``Ideapaja-Requested-By`` header (``ideapaja_runtime.requester``), which the services believe from
this service's token alone: so each shows who wrote an anonymous idea only in the person's own
report.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import httpx

from ideapaja_privacy.domain.report import PeerAnswer, classify, unavailable
from ideapaja_runtime.client_credentials import ServiceTokenError, ServiceTokenProvider
from ideapaja_runtime.requester import REQUESTED_BY_HEADER
from ideapaja_runtime.service import Runtime

# runtime.extras key: base URL → httpx transport, for running services (and the identity
# provider's token endpoint, by its origin) in-process in tests.
PEER_TRANSPORTS = "privacy_peer_transports"
# runtime.extras key: the ServiceTokenProvider, made at the first report.
SERVICE_TOKENS = "privacy_service_tokens"
NO_CLIENT = (
    "the privacy service has no credentials of its own to ask other services with: set "
    "IDEAPAJA_PRIVACY_AUTH_TOKEN_URL, _AUTH_CLIENT_ID and _AUTH_CLIENT_SECRET"
)


def report_path(person_id: str) -> str:
    return f"/privacy/persons/{person_id}"


async def collect(
    peer_urls: Mapping[str, str],
    person_id: str,
    *,
    requested_by: str,
    tokens: ServiceTokenProvider | None,
    traceparent: str | None = None,
    request_timeout: float,
    transports: Mapping[str, httpx.AsyncBaseTransport] | None = None,
) -> list[PeerAnswer]:
    """Every peer's answer, in name order; a peer that fails is reported, never skipped.
    ``requested_by``: the person who asked for the report (told to every peer)."""
    names = sorted(peer_urls)
    if not names:
        return []
    if tokens is None:
        return [unavailable(name, NO_CLIENT) for name in names]
    try:
        first = await tokens.token()
    except ServiceTokenError as exc:
        return [unavailable(name, f"no service token: {exc}") for name in names]
    async with httpx.AsyncClient(
        timeout=request_timeout,
        mounts=dict(transports or {}),
        follow_redirects=False,
        # Never send a bearer token through a proxy picked up from the environment.
        trust_env=False,
    ) as client:

        async def get(url: str, token: str) -> httpx.Response:
            headers = {"Authorization": f"Bearer {token}", REQUESTED_BY_HEADER: requested_by}
            if traceparent:
                headers["traceparent"] = traceparent
            return await client.get(url, headers=headers)

        async def ask(name: str, base_url: str) -> PeerAnswer:
            url = base_url + report_path(person_id)
            try:
                response = await get(url, first)
                if response.status_code == 401:
                    # Revoked, or the provider rotated its key: once more with a new token.
                    tokens.invalidate(first)
                    response = await get(url, await tokens.token())
            except httpx.HTTPError as exc:
                return unavailable(name, f"{type(exc).__name__}: {exc}")
            except ServiceTokenError as exc:
                return unavailable(name, f"no service token: {exc}")
            try:
                body = response.json()
            except ValueError:
                body = None
            return classify(name, response.status_code, body)

        return list(await asyncio.gather(*(ask(name, peer_urls[name]) for name in names)))


def transports_of(runtime: Runtime[Any]) -> Mapping[str, httpx.AsyncBaseTransport] | None:
    found = runtime.extras.get(PEER_TRANSPORTS)
    return dict(found) if found else None


def service_tokens(runtime: Runtime[Any]) -> ServiceTokenProvider | None:
    """The privacy service's token provider (None without a configured client), made once per
    process so its token is cached across reports."""
    provider = runtime.extras.get(SERVICE_TOKENS)
    if isinstance(provider, ServiceTokenProvider):
        return provider
    url = runtime.settings.auth_token_url
    in_process = transports_of(runtime) or {}
    transport = in_process.get(_origin(url)) if url else None
    provider = ServiceTokenProvider.from_settings(runtime.settings, transport=transport)
    if provider is not None:
        runtime.extras[SERVICE_TOKENS] = provider
    return provider


async def close_service_tokens(runtime: Runtime[Any]) -> None:
    provider = runtime.extras.pop(SERVICE_TOKENS, None)
    if isinstance(provider, ServiceTokenProvider):
        await provider.aclose()


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"
