"""Row 6 (the part done): one service's projection rebuilt from many events, beside a raw pull
consume of the same events. Notification's idea projection (``notification-ideas``: who wrote
which idea, so it can tell them) is fed N IdeaSubmitted events while it is frozen, then its
backlog is timed as in row 1 (``bench/consumers.py``), with a time cap: the rate is measured over
what it consumed by then. Full: 1,000,000 events; ``--quick`` leaves this row out unless asked
for with ``--only replay`` (then 20,000): publishing into a nats-server that syncs every write
takes longer than the quick budget allows.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from bench.consumers import RAW_TARGET, Scenario, ideas, measure, nothing, result_row
from bench.harness import Processes, Row

PROJECTION = Scenario(
    "notification",
    "notification-ideas",
    "ideapaja.idea.submitted.v1",
    nothing,
    nothing,
    ideas,
    ("notification-hr-people",),
)


def rows(work: Path, quick: bool) -> list[Row]:
    count, cap = (20_000, 30.0) if quick else (1_000_000, 300.0)
    drained, raw_rate, floor_rate = asyncio.run(
        measure(PROJECTION, work, Processes(work), count, cap, restart=False)
    )
    return [
        result_row("6 replay", PROJECTION, drained, raw_rate, count, cap, RAW_TARGET, floor_rate)
    ]
