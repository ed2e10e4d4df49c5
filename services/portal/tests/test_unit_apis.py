"""The portal calls the services in the page's trace: one id from the page's log line through
every service's."""

from __future__ import annotations

import re

import httpx
import structlog

from ideapaja_portal.apis import Apis


async def test_a_call_carries_the_pages_trace_in_a_span_of_its_own() -> None:
    seen: list[str] = []

    def service(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("traceparent", ""))
        return httpx.Response(200, json={"ok": True})

    apis = Apis(
        {"review": "http://review"}, timeout=5, transports={"http://": httpx.MockTransport(service)}
    )
    trace_id = "4bf92f3577b34da6a3ce929d0e0e4736"
    try:
        with structlog.contextvars.bound_contextvars(trace_id=trace_id):
            await apis.call("review", "GET", "/cases", token="t")
            await apis.call("review", "GET", "/cases", token="t")
        await apis.call("review", "GET", "/cases", token="t")
        given = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
        await apis.call("review", "GET", "/cases", token="t", traceparent=given)
    finally:
        await apis.close()
    first, second, outside, explicit = seen
    for header in (first, second):
        assert re.fullmatch(rf"00-{trace_id}-[0-9a-f]{{16}}-01", header)
    assert first != second  # each call its own span
    assert outside == ""  # no page, no trace to join
    assert explicit == given
