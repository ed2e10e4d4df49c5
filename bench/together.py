"""Row 1b: the main consumers **with the others running**: review, reward and notification on one
nats-server, each on its own SQLite file, all draining their backlogs at the same time on the
same cores, beside a raw nats-py pull consumer of the same events.

1. the demo organisation goes into the HR stream and N ideas into the lifecycle stream; the three
   services run until every consumer has them (review opens their cases and announces them, so
   notification's work-list consumers have work too);
2. the three are frozen (SIGSTOP) while N new ideas (review's target) and N decisions on the first
   ideas (reward's and notification's target) are published;
3. they are resumed together and each target consumer's backlog is sampled with its process's CPU
   until all are 0 or the cap. Each consumer's rate is over the span in which its own backlog
   fell; the others' work (reward and notification also project the new ideas, notification
   tells change agents about review's new cases) runs beside it, as in production.

Intake is left out: its consumers follow review's cases of ideas intake itself stored, so it
belongs to the pipeline row (which runs every service together from intake's API on).
"""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

from bench import events
from bench.consumers import (
    RAW_TARGET,
    Drained,
    _drained,
    baselines,
    quiet_mail,
    result_row,
    watch,
)
from bench.consumers import SCENARIOS as ALONE
from bench.harness import Processes, Row, connect, start_nats
from bench.services import Service, sqlite_url, start_service

TARGETS = {
    "review": ("review-ideas-submitted", "ideapaja.idea.submitted.v1"),
    "reward": ("reward-decisions", "ideapaja.review.decided.v1"),
    "notification": ("notification-decisions", "ideapaja.review.decided.v1"),
}
PREREQUISITES = (
    "review-hr-people",
    "review-ideas-submitted",
    "reward-ideas",
    "notification-ideas",
    "notification-hr-people",
)


async def measure(
    directory: Path, processes: Processes, count: int, cap: float
) -> dict[str, tuple[Drained, float, float]]:
    nats_url = start_nats(processes, directory / "nats")
    nc, js = await connect(nats_url)
    run = directory.name
    try:
        await events.import_demo_organisation(nats_url)
        first = [events.idea_submitted(n, f"{run}-a") for n in range(count)]
        await events.publish_window(js, events.encoded(first))
        services: dict[str, Service] = {}
        for name in TARGETS:
            extra = quiet_mail(name)
            services[name] = start_service(
                processes, name, nats_url, sqlite_url(directory, name), extra
            )
        for consumer in PREREQUISITES:
            await _drained(js, consumer)
        targets = events.encoded(
            [events.idea_submitted(n, f"{run}-b") for n in range(count)]
            + [events.review_decided(n, f"{run}-a") for n in range(count)]
        )
        for service in services.values():
            service.process.send_signal(signal.SIGSTOP)
        try:
            await events.publish_window(js, targets)
        finally:
            for service in services.values():
                service.process.send_signal(signal.SIGCONT)
        drained = await asyncio.gather(
            *(
                watch(js, services[name], consumer, cap)
                for name, (consumer, _subject) in TARGETS.items()
            )
        )
        found = {}
        for (name, (_consumer, subject)), result in zip(TARGETS.items(), drained, strict=True):
            raw, floor = await baselines(js, subject, count, directory / f"{name}-floor.db")
            found[name] = (result, raw, floor)
        return found
    finally:
        await nc.close()
        processes.stop_all()


def rows(work: Path, quick: bool) -> list[Row]:
    count, cap = (200, 20.0) if quick else (20_000, 240.0)
    directory = work / "together"
    directory.mkdir()
    measured = asyncio.run(measure(directory, Processes(directory), count, cap))
    # CPU per event is the consumer's whole process over its span, so with the others running it
    # includes the same process's other consumers' work (reward's and notification's idea
    # projections, notification's work-list notices): the figure a city pays for, not a
    # per-handler cost.
    return [
        result_row("1b together", ALONE[name], drained, raw_rate, count, cap, RAW_TARGET, floor)
        for name, (drained, raw_rate, floor) in measured.items()
    ]
