"""Row 7: scale-out. Reward's durable consumer ``reward-decisions`` served by 1 and then by 2
replicas (two processes of the service on one PostgreSQL database, fetching from the same durable
consumer), events/s and where the CPU goes (each replica's process, and PostgreSQL's backends).

1. the demo organisation and 2N ideas go into the streams; replica 1 runs until it has them;
2. phase 1: replica 1 is frozen while N decisions on the first N ideas are published, resumed,
   and the backlog is timed as in row 1;
3. phase 2: replica 2 starts on the same database; both are frozen while N decisions on the other
   N ideas are published, resumed together, and timed the same way.
The figure is phase 2's rate over phase 1's (1.0: a second replica adds nothing).
"""

from __future__ import annotations

import asyncio
import signal
import time
from dataclasses import dataclass
from pathlib import Path

from nats.js import JetStreamContext

from bench import events
from bench.consumers import _drained
from bench.harness import Processes, Row, backlog, comm, connect, cpu_seconds, start_nats
from bench.services import LIFECYCLE, Service, start_service
from ideapaja_runtime.testing import create_pg_database, drop_pg_database, postgres_available

CONSUMER = "reward-decisions"


@dataclass
class Phase:
    replicas: int
    events: int
    seconds: float
    cpu_per_replica: list[float]
    postgres_cpu: float

    @property
    def rate(self) -> float:
        return self.events / self.seconds if self.seconds > 0 else 0.0


def postgres_cpu() -> float:
    """CPU seconds of every PostgreSQL process on the machine (the server is shared: read the
    difference over a phase, with other work on the machine in mind)."""
    total = 0.0
    for entry in Path("/proc").iterdir():
        # By its own name: a backend's command line ("postgres: 15/main: …") hid every one of
        # them from process_name, and the server's CPU read 0.00 ms an event.
        if entry.name.isdigit() and comm(int(entry.name)) == "postgres":
            total += cpu_seconds(int(entry.name))
    return total


async def timed_phase(
    js: JetStreamContext, replicas: list[Service], decisions: list[int], run: str, cap: float
) -> Phase:
    for service in replicas:
        service.process.send_signal(signal.SIGSTOP)
    try:
        await events.publish_window(
            js, events.encoded(events.review_decided(n, run) for n in decisions)
        )
    finally:
        for service in replicas:
            service.process.send_signal(signal.SIGCONT)
    start_left = await backlog(js, LIFECYCLE, CONSUMER) or 0
    started, cpu0, pg0 = time.perf_counter(), [cpu_seconds(s.pid) for s in replicas], postgres_cpu()
    left = start_left
    while left and time.perf_counter() - started < cap:
        await asyncio.sleep(0.1)
        left = await backlog(js, LIFECYCLE, CONSUMER) or 0
    seconds = time.perf_counter() - started
    cpu = [cpu_seconds(s.pid) - c for s, c in zip(replicas, cpu0, strict=True)]
    return Phase(len(replicas), start_left - left, seconds, cpu, postgres_cpu() - pg0)


async def measure(directory: Path, database_url: str, count: int, cap: float) -> list[Phase]:
    processes = Processes(directory)
    nats_url = start_nats(processes, directory / "nats")
    nc, js = await connect(nats_url)
    run = directory.name
    try:
        await events.import_demo_organisation(nats_url)
        ideas = events.encoded(events.idea_submitted(n, run) for n in range(2 * count))
        await events.publish_window(js, ideas)
        first = start_service(processes, "reward", nats_url, database_url)
        for consumer in ("reward-hr-people", "reward-ideas"):
            await _drained(js, consumer)
        one = await timed_phase(js, [first], list(range(count)), run, cap)
        second = start_service(processes, "reward", nats_url, database_url)
        two = await timed_phase(js, [first, second], list(range(count, 2 * count)), run, cap)
        return [one, two]
    finally:
        await nc.close()
        processes.stop_all()


def describe(phase: Phase) -> str:
    per_event = [c / phase.events * 1000 for c in phase.cpu_per_replica] if phase.events else []
    # Each replica's CPU over all the phase's events: the sum is the CPU an event cost.
    replicas = " + ".join(f"{c:.2f}" for c in per_event)
    if len(per_event) > 1:
        replicas += f" = {sum(per_event):.2f}"
    pg = phase.postgres_cpu / phase.events * 1000 if phase.events else float("nan")
    return f"{phase.rate:,.0f} ev/s; CPU ms/event: replicas {replicas}, PostgreSQL {pg:.2f}"


def rows(work: Path, quick: bool) -> list[Row]:
    if not postgres_available():
        return [Row("7 scale-out", "reward 1 → 2 replicas", "not measured: no PostgreSQL")]
    count, cap = (500, 30.0) if quick else (10_000, 240.0)
    name, url = create_pg_database("ideapaja_bench_scaleout")
    try:
        one, two = asyncio.run(measure(work, url, count, cap))
    finally:
        drop_pg_database(name)
    return [
        Row(
            "7 scale-out",
            f"reward-decisions, 2 replicas on PostgreSQL ({count} events each phase)",
            describe(two),
            f"1 replica: {describe(one)} → ×{two.rate / one.rate:.2f}",
            value=two.rate / one.rate if one.rate else None,
            data={"one": one.__dict__, "two": two.__dict__},
        )
    ]
