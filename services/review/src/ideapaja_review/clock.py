"""The service's clock, replaceable in tests: deadlines are tested with controlled time.

Everything that stamps or compares times (routes, handlers, the deadline sweep) asks
``clock_of(runtime)`` instead of reading the system clock itself.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from ideapaja_review.timeutil import utc_now
from ideapaja_runtime.service import Runtime

Clock = Callable[[], datetime]
CLOCK_KEY = "review_clock"


def clock_of(runtime: Runtime) -> Clock:
    clock: Clock = runtime.extras.get(CLOCK_KEY, utc_now)
    return clock


def set_clock(runtime: Runtime, clock: Clock) -> None:
    runtime.extras[CLOCK_KEY] = clock
