"""Row 1: each service's main consumer alone (inbox + database commit per event), events/s,
beside a raw nats-py pull consumer of the same events.

For each scenario, on a private nats-server and a fresh SQLite database:
1. the demo organisation goes into the HR stream and the scenario's prerequisite events (the
   ideas a decision is about) into the lifecycle stream; the service runs until its consumers
   have them, and stops (its durable consumers stay);
2. N target events are published while it is down, as real contract events;
3. the service is started again (its restart-to-ready time is recorded) and its consumer's
   num_pending + ack_pending (JetStream consumer info) is sampled every 100 ms with the
   process's CPU time (/proc) until it is 0 or the time cap is reached. The rate is taken over
   the samples in which the backlog fell (start-up excluded), CPU per event over the same span;
4. a raw pull consumer reads the same N events from the stream (fetch 256, ack each).
"""

from __future__ import annotations

import asyncio
import json
import signal
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nats.js import JetStreamContext

from bench import events
from bench.floor import durable_floor
from bench.harness import Processes, Row, Target, backlog, connect, cpu_seconds, start_nats
from bench.loadgen import closed_loop
from bench.services import HR, LIFECYCLE, Service, dev_keys, raw_pull, sqlite_url, start_service
from ideapaja_contracts import OutgoingMessage

RAW_TARGET = Target(">=", 0.10, "≥ 0.10 of raw")
SAMPLE_SECONDS = 0.1


@dataclass
class Setup:
    """What a scenario's steps share: the stream, the run's id, the running service."""

    js: JetStreamContext
    run: str
    count: int
    service: Service | None = None
    ideas: list[dict[str, Any]] = field(default_factory=list)


Step = Callable[[Setup], Awaitable[list[OutgoingMessage]]]


@dataclass(frozen=True)
class Scenario:
    service: str
    consumer: str  # the durable name, <service>-<subscription>
    subject: str  # the target events' subject
    before: Step  # prerequisite events, published before the first start
    with_service: Step  # prerequisites made through the running service's own write path
    target: Step
    waits_for: tuple[str, ...] = ()


async def nothing(_setup: Setup) -> list[OutgoingMessage]:
    return []


async def ideas(setup: Setup) -> list[OutgoingMessage]:
    return events.encoded(events.idea_submitted(n, setup.run) for n in range(setup.count))


async def decisions(setup: Setup) -> list[OutgoingMessage]:
    return events.encoded(events.review_decided(n, setup.run) for n in range(setup.count))


async def submit_through_intake(setup: Setup) -> list[OutgoingMessage]:
    """The ideas intake's projection is about, submitted through intake's API (its write path);
    their ids read back from the stream."""
    assert setup.service is not None
    authors = events.authors()
    tokens = [dev_keys().token(p.person_id, *p.roles, units=[p.unit_id]) for p in authors]
    body = json.dumps(events.idea_texts("Omatoimikirjasto iltaisin")).encode()
    librarians = [t for t, p in zip(tokens, authors, strict=True) if p.unit_id == "u-kirjasto"]
    await closed_loop("ideas", setup.service.port, body, librarians, setup.count, len(librarians))
    await asyncio.sleep(2)  # the relay publishes what was committed
    _, bodies = await raw_pull(setup.js, LIFECYCLE, "ideapaja.idea.submitted.v1", setup.count)
    setup.ideas = [json.loads(b) for b in bodies]
    return []


async def screenings(setup: Setup) -> list[OutgoingMessage]:
    return events.encoded(
        events.screening_started(idea["idea_id"], idea["unit_id"], n)
        for n, idea in enumerate(setup.ideas)
    )


SCENARIOS = {
    "review": Scenario(
        "review",
        "review-ideas-submitted",
        "ideapaja.idea.submitted.v1",
        nothing,
        nothing,
        ideas,
        ("review-hr-people",),
    ),
    "reward": Scenario(
        "reward", "reward-decisions", "ideapaja.review.decided.v1", ideas, nothing, decisions,
        ("reward-ideas",),
    ),
    "notification": Scenario(
        "notification",
        "notification-decisions",
        "ideapaja.review.decided.v1",
        ideas,
        nothing,
        decisions,
        ("notification-ideas", "notification-hr-people"),
    ),
    "intake": Scenario(
        "intake",
        "intake-review",
        "ideapaja.review.screening_started.v1",
        nothing,
        submit_through_intake,
        screenings,
        ("intake-hr-people",),
    ),
}  # fmt: skip


@dataclass
class Drained:
    events: int
    seconds: float
    cpu: float
    left: int
    start_seconds: float
    restart_seconds: float = float("nan")

    @property
    def rate(self) -> float:
        return self.events / self.seconds if self.seconds > 0 else 0.0


async def watch(js: JetStreamContext, service: Service, consumer: str, cap: float) -> Drained:
    """Sample the consumer's backlog and the process's CPU until 0 or ``cap`` seconds."""
    samples: list[tuple[float, int, float]] = []
    deadline = time.perf_counter() + cap
    while time.perf_counter() < deadline:
        left = await backlog(js, LIFECYCLE, consumer)
        samples.append((time.perf_counter(), left or 0, cpu_seconds(service.pid)))
        if left == 0:
            break
        await asyncio.sleep(SAMPLE_SECONDS)
    # From the last sample before the backlog first fell (start-up excluded) to the end.
    first = next((i - 1 for i in range(1, len(samples)) if samples[i][1] < samples[0][1]), 0)
    (t0, left0, cpu0), (t1, left1, cpu1) = samples[first], samples[-1]
    return Drained(left0 - left1, t1 - t0, cpu1 - cpu0, left1, service.ready_seconds)


async def measure(
    scenario: Scenario,
    directory: Path,
    processes: Processes,
    count: int,
    cap: float,
    restart: bool = True,
) -> tuple[Drained, float, float]:
    nats_url = start_nats(processes, directory / "nats")
    database = sqlite_url(directory, scenario.service)
    extra = quiet_mail(scenario.service)
    nc, js = await connect(nats_url)
    setup = Setup(js, directory.name, count)
    try:
        await events.import_demo_organisation(nats_url)
        await events.publish_window(js, await scenario.before(setup))
        service = setup.service = start_service(
            processes, scenario.service, nats_url, database, extra
        )
        await scenario.with_service(setup)
        for consumer in (*scenario.waits_for, scenario.consumer):
            await _drained(js, consumer)
        targets = await scenario.target(setup)
        # Frozen while its events are loaded, so it starts on a full backlog.
        service.process.send_signal(signal.SIGSTOP)
        try:
            await events.publish_window(js, targets)
        finally:
            service.process.send_signal(signal.SIGCONT)
        drained = await watch(js, service, scenario.consumer, cap)
        processes.stop(service.process)
        if restart:  # row 5: a service's restart to ready, on its existing database
            drained.restart_seconds = start_service(
                processes, scenario.service, nats_url, database, extra
            ).ready_seconds
        return drained, *await baselines(js, scenario.subject, len(targets), directory / "floor.db")
    finally:
        await nc.close()
        processes.stop_all()


def quiet_mail(service: str) -> dict[str, str]:
    """Settings that keep ``service`` from waiting on a mail server the bench does not run."""
    if service == "notification":
        return {"IDEAPAJA_NOTIFICATION_SMTP_PORT": "1"}  # mail fails fast and backs off
    return {}


async def baselines(
    js: JetStreamContext, subject: str, count: int, floor_db: Path
) -> tuple[float, float]:
    """The raw pull's and the durable floor's rates (events/s; the floor's inbox in the fresh
    SQLite file ``floor_db``) over the stream's ``count`` events on ``subject``: what a
    consumer's rate is weighed against."""
    raw_seconds, bodies = await raw_pull(js, LIFECYCLE, subject, count)
    floor = await durable_floor(js, LIFECYCLE, subject, count, floor_db)
    return len(bodies) / raw_seconds, floor


async def _drained(js: JetStreamContext, consumer: str, limit: float = 600) -> None:
    deadline = time.monotonic() + limit
    while await backlog(js, HR if "-hr-" in consumer else LIFECYCLE, consumer) != 0:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{consumer} did not catch up with its prerequisites")
        await asyncio.sleep(0.2)


def result_row(
    group: str,
    scenario: Scenario,
    drained: Drained,
    raw_rate: float,
    count: int,
    cap: float,
    target: Target,
    floor_rate: float | None = None,
) -> Row:
    ratio = drained.rate / raw_rate
    floor = (
        f"; durable floor {floor_rate:,.0f} ev/s → ×{drained.rate / floor_rate:.3g}"
        if floor_rate
        else ""
    )
    capped = f", {drained.left} left at the {cap:.0f} s cap" if drained.left else ""
    cpu_ms = drained.cpu / drained.events * 1000 if drained.events else float("nan")
    return Row(
        group,
        f"{scenario.consumer} ({count} events)",
        f"{drained.rate:,.0f} ev/s, {cpu_ms:.2f} ms CPU/ev{capped}",
        f"raw pull {raw_rate:,.0f} ev/s → ×{ratio:.3g}{floor}",
        target,
        ratio,
        {
            "events_per_s": drained.rate,
            "raw_events_per_s": raw_rate,
            "durable_floor_events_per_s": floor_rate,
            "cpu_ms_per_event": cpu_ms,
            "events_measured": drained.events,
            "left_at_cap": drained.left,
            "start_to_ready_s": drained.start_seconds,
            "restart_to_ready_s": drained.restart_seconds,
        },
    )


def rows(work: Path, quick: bool) -> list[Row]:
    count, cap = (200, 10.0) if quick else (20_000, 120.0)
    found = []
    for name, scenario in SCENARIOS.items():
        directory = work / f"consumer-{name}"
        directory.mkdir()
        restart = not quick or name == "review"  # quick: one service's restart
        drained, raw_rate, floor_rate = asyncio.run(
            measure(scenario, directory, Processes(directory), count, cap, restart)
        )
        found.append(
            result_row(
                "1 consumers", scenario, drained, raw_rate, count, cap, RAW_TARGET, floor_rate
            )
        )
        if restart:
            found.append(
                Row(
                    "5 start-up",
                    f"{name} restart → ready (existing database)",
                    f"{drained.restart_seconds:.1f} s",
                    f"first start, empty database: {drained.start_seconds:.1f} s",
                    Target("<", 3.0, "< 3 s"),
                    drained.restart_seconds,
                )
            )
    return found
