"""A fixed-window limit on how many ideas one person submits, counted in the database so that
every replica sees the same count."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta


@dataclass(frozen=True)
class Window:
    start: datetime
    end: datetime

    def retry_after(self, now: datetime) -> int:
        """Whole seconds until the window ends (at least 1, as Retry-After needs)."""
        return max(1, math.ceil((self.end - now).total_seconds()))


def window_of(now: datetime, seconds: int) -> Window:
    """The window ``now`` falls in; windows are aligned to the epoch, so every replica agrees."""
    epoch = int(now.astimezone(UTC).timestamp())
    start = datetime.fromtimestamp(epoch - epoch % seconds, UTC)
    return Window(start, start + timedelta(seconds=seconds))


def granted(count_before: int, wanted: int, limit: int) -> int:
    """How many of ``wanted`` submissions fit when ``count_before`` were already counted (the
    limit is inclusive: the ``limit``-th submission of a window still fits)."""
    return max(0, min(wanted, limit - count_before))
