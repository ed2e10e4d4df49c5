"""Row 3: the outbox relay, events/s into JetStream, beside raw nats-py publishing of the same
events with a window of in-flight acknowledgements.

The runtime's own ``Outbox`` stores N IdeaSubmitted events in one transaction (as a crashed
process leaves them: no relay holds them), then the runtime's ``OutboxRelay`` publishes every
pending row (``drain``: claim a batch, publish it pipelined, wait for JetStream's acks, mark the
rows sent) until none is left. Then the same events, freshly encoded, are published raw with up
to 256 acks in flight. SQLite, and PostgreSQL when one answers on 127.0.0.1:5432.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from bench import events
from bench.harness import Processes, Row, Target, connect, each_database, start_nats
from bench.services import LIFECYCLE
from ideapaja_runtime.db import Database
from ideapaja_runtime.outbox import Outbox, OutboxEntry
from ideapaja_runtime.relay import OutboxRelay
from ideapaja_runtime.settings import ServiceSettings


async def measure(database_url: str, nats_url: str, count: int) -> tuple[float, float]:
    """(relay events/s, raw publish events/s) for ``count`` events."""
    settings = ServiceSettings()
    db = Database(database_url)
    nc, js = await connect(nats_url)
    try:
        await db.migrate(None)
        run = f"{time.monotonic_ns()}"
        async with db.transaction() as session:
            await Outbox(events.SOURCE).add_many(
                session, [OutboxEntry(events.idea_submitted(n, run)) for n in range(count)]
            )
        relay = OutboxRelay(db, js, stream=LIFECYCLE, batch_size=settings.outbox_batch_size)
        started = time.perf_counter()
        published = await relay.drain()
        relay_seconds = time.perf_counter() - started
        assert published == count, f"the relay published {published} of {count}"
        raw = events.encoded(events.idea_submitted(n, f"raw-{run}") for n in range(count))
        started = time.perf_counter()
        await events.publish_window(js, raw)
        raw_seconds = time.perf_counter() - started
        return count / relay_seconds, count / raw_seconds
    finally:
        await nc.close()
        await db.dispose()


def rows(work: Path, quick: bool) -> list[Row]:
    count = 2000 if quick else 20_000
    processes = Processes(work)
    found = []
    try:
        nats_url = start_nats(processes, work / "nats")
        asyncio.run(_streams(nats_url))
        for kind, url in each_database(work / "outbox.db", "ideapaja_bench"):
            label = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}[kind]
            relay_rate, raw_rate = asyncio.run(measure(url, nats_url, count))
            ratio = relay_rate / raw_rate
            found.append(
                Row(
                    "3 outbox relay",
                    f"relay into JetStream, {label} ({count} events)",
                    f"{relay_rate:,.0f} ev/s",
                    f"raw publish, 256 in flight: {raw_rate:,.0f} ev/s → ×{ratio:.2f}",
                    Target(">=", 0.60, "≥ 0.60 of raw"),
                    ratio,
                    {"events_per_s": relay_rate, "raw_events_per_s": raw_rate},
                )
            )
    finally:
        processes.stop_all()
    return found


async def _streams(nats_url: str) -> None:
    await events.import_demo_organisation(nats_url)  # creates the streams as a service would
