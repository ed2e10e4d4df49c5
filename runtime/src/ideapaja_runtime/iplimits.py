"""Rate limits per client IP address, for any service's routes.

A limit has a name; its rate is the setting ``rate_limit_per_ip_<name>`` ("20/minute;200/hour";
empty: off). The counts are kept by the ``limits`` library (moving window) in
``rate_limit_storage_uri``: the process's memory by default, or a store that replicas share. The
client is the one ``proxies.ClientAddress`` put into the scope; IPv6 clients are counted per /64,
the block one subscriber usually gets.

Three ways to use a limit:
- ``dependencies=[per_ip("submissions")]`` on a route counts every request that reaches it;
- ``await enforce_ip_limit(request, "submissions")`` inside a handler counts where it is called;
- ``async with counted_if_accepted(request, "submissions"):`` around work that may still be
  refused (a draft that does not exist, a co-author HR does not know) refuses an address that has
  used up the limit at once, and counts the request only when the work inside succeeds — so one
  person's refused attempts cannot use up the allowance of everyone behind the same address.
Over the limit: ``Problem(429)`` with Retry-After and nothing more about the limit's internals.

The runtime's authentication counts failed token verifications per IP (``AUTH_FAILURES``, in
auth.py); ``refuse_if_exhausted`` and ``count_ip_failure`` let other credential checks (intake's
form tokens) share that count.
"""

from __future__ import annotations

import ipaddress
import math
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from fastapi import Depends, Request
from limits import RateLimitItem, parse_many
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string

from ideapaja_runtime import metrics
from ideapaja_runtime.logging import get_logger
from ideapaja_runtime.problems import Problem, too_many_requests
from ideapaja_runtime.proxies import parse_address
from ideapaja_runtime.settings import ServiceSettings

log = get_logger(__name__)

_T = TypeVar("_T")

SUBMISSIONS = "submissions"
AUTH_FAILURES = "auth_failures"
SETTING_PREFIX = "rate_limit_per_ip_"


def async_storage_uri(uri: str) -> str:
    """The ``limits`` asyncio storage for a configured URI ("memory://" → "async+memory://")."""
    uri = uri.strip()
    return uri if uri.startswith("async+") else f"async+{uri}"


def client_key(host: str | None) -> str:
    """What one client is counted as: its IPv4 address, or its IPv6 /64."""
    address = parse_address(host) if host else None
    if address is None:
        return (host or "unknown")[:64]
    if isinstance(address, ipaddress.IPv6Address):
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


class IpRateLimiter:
    """The per-IP limits of one service process (``app.state.ip_limiter``)."""

    def __init__(self, service: str, settings: ServiceSettings) -> None:
        self.service = service
        self.settings = settings
        self.storage = storage_from_string(
            async_storage_uri(settings.rate_limit_storage_uri), wrap_exceptions=True
        )
        self.strategy = MovingWindowRateLimiter(self.storage)
        self._items: dict[str, list[RateLimitItem]] = {}

    def items(self, name: str) -> list[RateLimitItem]:
        """The rates of limit ``name``, from the setting ``rate_limit_per_ip_<name>``."""
        if name not in self._items:
            value = getattr(self.settings, SETTING_PREFIX + name, None)
            if not isinstance(value, str):
                raise LookupError(f"no setting {SETTING_PREFIX}{name} for the per-IP limit {name}")
            self._items[name] = parse_many(value) if value.strip() else []
        return self._items[name]

    async def hit(self, name: str, client: str) -> int | None:
        """Count one request of ``client`` against ``name``: None if allowed, else the seconds
        until it would be."""
        for item in self.items(name):
            if not await self._safely(self.strategy.hit(item, self.service, name, client), True):
                return await self._retry_after(item, name, client)
        return None

    async def exhausted(self, name: str, client: str) -> int | None:
        """Whether ``client`` has used up ``name`` (without counting): the seconds to wait, or
        None."""
        for item in self.items(name):
            if not await self._safely(self.strategy.test(item, self.service, name, client), True):
                return await self._retry_after(item, name, client)
        return None

    async def count(self, name: str, client: str) -> None:
        """Count one event of ``client`` (a failure), whether or not it is over the limit."""
        for item in self.items(name):
            await self._safely(self.strategy.hit(item, self.service, name, client), True)

    async def _retry_after(self, item: RateLimitItem, name: str, client: str) -> int:
        stats = await self._safely(
            self.strategy.get_window_stats(item, self.service, name, client), None
        )
        if stats is None:
            return int(item.get_expiry())
        return max(1, math.ceil(stats.reset_time - time.time()))

    async def _safely(self, call: Awaitable[_T], fallback: _T) -> _T:
        """A broken shared store lets requests through (logged) rather than refusing everyone."""
        try:
            return await call
        except Exception as exc:
            log.warning("rate_limit_store_failed", error=type(exc).__name__)
            return fallback


def limiter_of(request: Request) -> IpRateLimiter | None:
    limiter = getattr(request.app.state, "ip_limiter", None)
    return limiter if isinstance(limiter, IpRateLimiter) else None


def request_client(request: Request) -> str:
    return client_key(request.client.host if request.client else None)


def too_many(name: str, retry_after: int) -> Problem:
    metrics.RATE_LIMITED.labels(name).inc()
    log.info("rate_limited", limit=name, retry_after=retry_after)
    if name == AUTH_FAILURES:
        detail = "Too many failed authentications from this address"
    else:
        detail = "Too many requests from this address"
    return too_many_requests("Too many requests", detail, retry_after)


async def enforce_ip_limit(request: Request, name: str) -> None:
    """Count this request against the per-IP limit ``name``; 429 when over it."""
    await _refuse_when(request, name, IpRateLimiter.hit)


async def refuse_if_exhausted(request: Request, name: str) -> None:
    """429 when this request's client has used up ``name`` (e.g. its failed authentications)."""
    await _refuse_when(request, name, IpRateLimiter.exhausted)


async def _refuse_when(
    request: Request, name: str, ask: Callable[[IpRateLimiter, str, str], Awaitable[int | None]]
) -> None:
    """429 when ``ask`` (the limiter, about ``name`` and this client) says how long to wait."""
    limiter = limiter_of(request)
    if limiter is None:
        return
    retry_after = await ask(limiter, name, request_client(request))
    if retry_after is not None:
        raise too_many(name, retry_after)


async def count_ip_use(request: Request, name: str) -> None:
    """Count one use of ``name`` by this request's client (after ``refuse_if_exhausted``)."""
    limiter = limiter_of(request)
    if limiter is not None:
        await limiter.count(name, request_client(request))


async def count_ip_failure(request: Request, name: str = AUTH_FAILURES) -> None:
    """Count a failure (a credential that did not verify) of this request's client."""
    await count_ip_use(request, name)


@asynccontextmanager
async def counted_if_accepted(request: Request, name: str) -> AsyncIterator[None]:
    """429 when this request's client has used up ``name``; otherwise the request counts
    against it only if the block finishes without an exception (it was accepted)."""
    await refuse_if_exhausted(request, name)
    yield
    await count_ip_use(request, name)


def per_ip(name: str) -> Any:
    """A route dependency counting every request against the per-IP limit ``name``."""

    async def check(request: Request) -> None:
        await enforce_ip_limit(request, name)

    return Depends(check)
