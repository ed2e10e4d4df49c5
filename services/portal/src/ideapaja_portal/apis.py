"""Calling the services' HTTP APIs as the signed-in person: their access token goes along, so the
portal never shows anyone what the API would not show them (no service token reads on a
person's behalf).

A service's problem+json answer becomes a ``ServiceError`` the pages turn into a message in the
person's language (``web/errors.py``); a service that cannot be reached becomes one with status
503.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any, TypedDict, Unpack

import httpx
import structlog

PROBLEM_FIELDS = ("title", "detail", "errors", "reason", "rule")
# The services' largest page, and how many pages of a list a page of the portal reads at most.
PAGE_LIMIT = 100
MAX_PAGES = 50


class Request(TypedDict, total=False):
    """What a call sends besides the person's token: the query, a JSON body or a form (with
    files), and the trace it belongs to (by default the page's)."""

    params: Mapping[str, Any] | None
    json: Any
    files: Any
    data: Mapping[str, Any] | None
    traceparent: str | None


class ServiceError(Exception):
    def __init__(self, service: str, status: int, problem: Mapping[str, Any] | None = None):
        self.service = service
        self.status = status
        self.problem: dict[str, Any] = dict(problem or {})
        super().__init__(f"{service} answered {status}: {self.problem.get('title', '')}")

    @property
    def rule(self) -> str | None:
        """The rule a refusal names (the reward service's ``rule``), if any."""
        rule = self.problem.get("rule")
        return rule if isinstance(rule, str) else None

    @property
    def field_errors(self) -> dict[str, str]:
        """Field name → the problem's ``type`` for that field (e.g. ``string_too_short``)."""
        found: dict[str, str] = {}
        for error in self.problem.get("errors") or []:
            if isinstance(error, dict) and isinstance(error.get("field"), str):
                found.setdefault(error["field"], str(error.get("type") or "invalid"))
        return found


class Apis:
    """One HTTP client for every service (connection reuse), by service name."""

    def __init__(
        self,
        peer_urls: Mapping[str, str],
        *,
        timeout: float,
        transports: Mapping[str, httpx.AsyncBaseTransport] | None = None,
    ) -> None:
        self.peer_urls = dict(peer_urls)
        self.client = httpx.AsyncClient(
            timeout=timeout,
            mounts=dict(transports or {}),
            follow_redirects=False,
            # A person's token never goes through a proxy picked up from the environment.
            trust_env=False,
        )

    async def close(self) -> None:
        await self.client.aclose()

    async def call(
        self, service: str, method: str, path: str, *, token: str, **request: Unpack[Request]
    ) -> Any:
        """The JSON answer (None for 204), or ``ServiceError``."""
        response = await self.raw(service, method, path, token=token, **request)
        if response.status_code == 204 or not response.content:
            return None
        return response.json()

    async def every_item(
        self,
        service: str,
        path: str,
        *,
        token: str,
        params: Mapping[str, Any] | None = None,
        max_pages: int = MAX_PAGES,
    ) -> list[Any]:
        """Every item of a paged list (a city's units, say), page by page (100 at a time)."""
        items: list[Any] = []
        cursor = None
        for _ in range(max_pages):
            page = await self.call(
                service,
                "GET",
                path,
                token=token,
                params={**(params or {}), "limit": PAGE_LIMIT, "cursor": cursor},
            )
            items += page["items"]
            cursor = page.get("next_cursor")
            if not cursor:
                break
        return items

    async def raw(
        self, service: str, method: str, path: str, *, token: str, **request: Unpack[Request]
    ) -> httpx.Response:
        """The service's answer as it came (a file, say), or ``ServiceError``."""
        params, traceparent = request.get("params"), request.get("traceparent")
        base = self.peer_urls.get(service)
        if base is None:
            raise ServiceError(service, 503, {"title": f"{service} is not configured"})
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        traceparent = traceparent or _page_traceparent()
        if traceparent:
            headers["traceparent"] = traceparent
        clean = {k: v for k, v in (params or {}).items() if v not in (None, "")}
        try:
            response = await self.client.request(
                method,
                base + path,
                params=clean,
                json=request.get("json"),
                files=request.get("files"),
                data=request.get("data"),
                headers=headers,
            )
        except httpx.HTTPError as exc:
            raise ServiceError(service, 503, {"title": type(exc).__name__}) from exc
        if response.status_code >= 400:
            raise ServiceError(service, response.status_code, _problem(response))
        return response


def _page_traceparent() -> str | None:
    """A span of the page's trace (bound by the runtime for each request), so the services'
    log lines and the events they publish carry the page's trace id."""
    trace_id = structlog.contextvars.get_contextvars().get("trace_id")
    return f"00-{trace_id}-{secrets.token_hex(8)}-01" if trace_id else None


def _problem(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    if not isinstance(body, dict):
        return {}
    return {key: body[key] for key in PROBLEM_FIELDS if key in body}
