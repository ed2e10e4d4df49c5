"""Row 6: one service's projection rebuilt from many events, beside a raw pull consume of the
same events. A rebuild is a new deployment on a stream with history: N IdeaSubmitted events are
in the lifecycle stream first, then notification starts on a fresh SQLite database. Its idea
projection (``notification-ideas``: who wrote which idea, so it can tell them) reads the stream
from its start; its notices consumers start at the stream's end (``new_events_only``: no mail
about old ideas), as they would in a city's rebuild. The projection's backlog is timed as in
row 1 (``bench/consumers.py``), with a time cap: the rate is measured over what it consumed by
then. Full: 1,000,000 events; ``--quick`` leaves this row out unless asked for with ``--only
replay`` (then 20,000): publishing into a nats-server that syncs every write takes longer than
the quick budget allows.

Until session 18 the events were published into a running service (frozen meanwhile), so every
one was new to its notices consumers too: the figure held a receipt e-mail queued for each of
the 1,000,000 ideas, which no rebuild does.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from bench import events
from bench.consumers import (
    RAW_TARGET,
    Drained,
    Scenario,
    Setup,
    baselines,
    ideas,
    nothing,
    quiet_mail,
    result_row,
    watch,
)
from bench.harness import Processes, Row, connect, start_nats
from bench.services import sqlite_url, start_service

PROJECTION = Scenario(
    "notification",
    "notification-ideas",
    "ideapaja.idea.submitted.v1",
    nothing,
    nothing,
    ideas,  # the stream's history, published before the service starts
)


async def rebuild(
    directory: Path, processes: Processes, count: int, cap: float
) -> tuple[Drained, float, float]:
    """The projection's rebuild (a fresh service on ``count`` events of history); the raw pull's
    and the durable floor's rates over the same events."""
    nats_url = start_nats(processes, directory / "nats")
    nc, js = await connect(nats_url)
    try:
        await events.import_demo_organisation(nats_url)
        history = await PROJECTION.target(Setup(js, directory.name, count))
        await events.publish_window(js, history)
        database = sqlite_url(directory, PROJECTION.service)
        service = start_service(
            processes, PROJECTION.service, nats_url, database, quiet_mail(PROJECTION.service)
        )
        drained = await watch(js, service, PROJECTION.consumer, cap)
        processes.stop(service.process)
        return drained, *await baselines(js, PROJECTION.subject, count, directory / "floor.db")
    finally:
        await nc.close()
        processes.stop_all()


def rows(work: Path, quick: bool) -> list[Row]:
    count, cap = (20_000, 30.0) if quick else (1_000_000, 300.0)
    drained, raw_rate, floor_rate = asyncio.run(rebuild(work, Processes(work), count, cap))
    return [
        result_row("6 replay", PROJECTION, drained, raw_rate, count, cap, RAW_TARGET, floor_rate)
    ]
