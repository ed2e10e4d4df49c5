"""When the runner restarts a crashed child, and when it gives up.

A crashed child is started again after a back-off that doubles with each crash in a row (1 s,
2 s, 4 s … up to ``max_delay``); one that then stays up for ``healthy_after`` seconds counts as
recovered, so its next crash starts again at 1 s. More than ``max_restarts`` crashes within
``window`` seconds is a crash loop: restarting would only hide its cause, so the runner stops
everything and says so. Pure: the caller passes monotonic times.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class RestartPolicy:
    max_restarts: int = 5
    window: float = 300.0
    first_delay: float = 1.0
    max_delay: float = 30.0
    healthy_after: float = 60.0
    crashes: list[float] = field(default_factory=list)
    started_at: float | None = None
    in_a_row: int = 0

    def started(self, now: float) -> None:
        self.started_at = now

    def crashed(self, now: float) -> float | None:
        """The delay before starting the child again, or None: give up (a crash loop)."""
        if self.started_at is not None and now - self.started_at >= self.healthy_after:
            self.in_a_row = 0
        self.crashes = [t for t in self.crashes if now - t < self.window] + [now]
        if len(self.crashes) > self.max_restarts:
            return None
        delay = min(self.max_delay, self.first_delay * 2.0**self.in_a_row)
        self.in_a_row += 1
        return delay

    @property
    def recent_crashes(self) -> int:
        return len(self.crashes)
