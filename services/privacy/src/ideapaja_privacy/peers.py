"""Asking every other service what it holds on a person (``GET /privacy/persons/{id}``).

The caller's own bearer token is forwarded, so each service applies its own authorization: a
person sees their own data, HR and admins anyone's, and nobody gets more through this service
than they would get from each service directly.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

import httpx

from ideapaja_privacy.domain.report import PeerAnswer, classify, unavailable
from ideapaja_runtime.service import Runtime

# runtime.extras key: base URL → httpx transport, for running services in-process (tests).
PEER_TRANSPORTS = "privacy_peer_transports"


def report_path(person_id: str) -> str:
    return f"/privacy/persons/{person_id}"


async def collect(
    peer_urls: Mapping[str, str],
    person_id: str,
    headers: Mapping[str, str],
    *,
    request_timeout: float,
    transports: Mapping[str, httpx.AsyncBaseTransport] | None = None,
) -> list[PeerAnswer]:
    """Every peer's answer, in name order; a peer that fails is reported, never skipped."""
    async with httpx.AsyncClient(
        timeout=request_timeout,
        mounts=dict(transports or {}),
        follow_redirects=False,
        # Never send a bearer token through a proxy picked up from the environment.
        trust_env=False,
    ) as client:

        async def ask(name: str, base_url: str) -> PeerAnswer:
            try:
                response = await client.get(base_url + report_path(person_id), headers=headers)
            except httpx.HTTPError as exc:
                return unavailable(name, f"{type(exc).__name__}: {exc}")
            try:
                body = response.json()
            except ValueError:
                body = None
            return classify(name, response.status_code, body)

        return list(
            await asyncio.gather(*(ask(name, url) for name, url in sorted(peer_urls.items())))
        )


def transports_of(runtime: Runtime) -> Mapping[str, httpx.AsyncBaseTransport] | None:
    found = runtime.extras.get(PEER_TRANSPORTS)
    return dict(found) if found else None
