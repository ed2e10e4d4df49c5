"""The service's clock, replaceable in tests: retention is tested with controlled time.

Everything that stamps or compares times (routes, handlers, the sweep) asks ``clock_of(runtime)``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from ideapaja_runtime.service import Runtime

Clock = Callable[[], datetime]
CLOCK_KEY = "privacy_clock"


def utc_now() -> datetime:
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes for what was stored as UTC; make every one aware."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def clock_of(runtime: Runtime) -> Clock:
    clock: Clock = runtime.extras.get(CLOCK_KEY, utc_now)
    return clock


def set_clock(runtime: Runtime, clock: Clock) -> None:
    runtime.extras[CLOCK_KEY] = clock
