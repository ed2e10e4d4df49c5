"""Notification's figures (issue 17; a benchmark, not a test), on a private nats-server, SQLite
and an in-process SMTP server (aiosmtpd), the service running in this process:

1. latency: ``review.decided`` events published at a fixed rate (50/s), each about its own idea
   and author; for each, the time from its publication until ``GET /inbox`` (the author's own
   token, polled every 10 ms) answers its item: p50, p99, max;
2. mails/s: a burst of decisions published at once; the SMTP server's receipts from the first
   mail to the last (the sender's throughput, mails sharing SMTP conversations).

    .venv/bin/python -m bench.notification [--events 500] [--rate 50] [--burst 500]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from bench.harness import Processes, connect, free_port, percentile, start_nats
from ideapaja_contracts.events.hr import HrRole, PersonUpserted
from ideapaja_notification.app import service
from ideapaja_notification.db.models import Idea
from ideapaja_notification.settings import NotificationSettings
from ideapaja_runtime.testing import DevKeys, fast_test_settings, publish_event, running_service
from ideapaja_runtime.testing_builders import idea_submitted, review_decided

POLL_SECONDS = 0.01


class Receipts:
    """An SMTP server that only notes when each mail arrived."""

    def __init__(self) -> None:
        self.times: list[float] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.times.append(time.monotonic())
        return "250 Message accepted for delivery"


async def _prepare(js: Any, db: Any, first: int, count: int) -> None:
    """``count`` people and ideas (one author each), projected before any decision."""
    for n in range(first, first + count):
        await publish_event(
            js,
            PersonUpserted(
                person_id=f"p-{n}", unit_id="u-bench", display_name=f"Person {n}",
                email=f"p{n}@bench.example", language="fi", roles=[HrRole("employee")],
            ),
        )  # fmt: skip
        await publish_event(js, idea_submitted(f"i-{n}", author_ids=[f"p-{n}"]))
    while True:
        async with db.transaction() as session:
            known = await session.scalar(select(func.count()).select_from(Idea))
        if known is not None and known >= first + count:
            return
        await asyncio.sleep(0.1)


async def _until_readable(client: Any, headers: dict[str, str], published: float) -> float:
    while True:
        answer = await client.get("/inbox", params={"limit": 1}, headers=headers)
        if answer.status_code == 200 and answer.json()["items"]:
            return time.monotonic() - published
        await asyncio.sleep(POLL_SECONDS)


async def measure(events: int, rate: float, burst: int) -> dict[str, Any]:
    keys = DevKeys()
    receipts = Receipts()
    smtp_port = free_port()
    smtp = Controller(receipts, hostname="127.0.0.1", port=smtp_port)
    smtp.start()
    with tempfile.TemporaryDirectory(prefix="bench-notification-") as tmp:
        processes = Processes(Path(tmp))
        try:
            url = start_nats(processes, Path(tmp) / "nats")
            values: dict[str, Any] = fast_test_settings(
                nats_url=url,
                database_url=f"sqlite+aiosqlite:///{tmp}/notification.db",
                auth_public_key=keys.public_pem,
                smtp_port=smtp_port,
                sender_poll_seconds=0.1,
                log_level="WARNING",
            )
            settings = NotificationSettings(**values)
            nc, js = await connect(url)
            async with running_service(service, settings) as svc:
                db = svc.runtime.db
                await _prepare(js, db, 0, events + burst)
                latencies = await _paced(js, svc.client, keys, events, rate)
                await _drain(receipts, events)
                mails_per_second = await _burst(js, receipts, events, burst)
            await nc.close()
        finally:
            for process in list(processes.started):
                processes.stop(process)
            smtp.stop()
    return {
        "events": events,
        "rate_per_s": rate,
        "inbox_latency_ms": {
            "p50": round(percentile(latencies, 50) * 1000, 1),
            "p99": round(percentile(latencies, 99) * 1000, 1),
            "max": round(max(latencies) * 1000, 1),
        },
        "burst": burst,
        "mails_per_s": round(mails_per_second, 1),
    }


async def _paced(js: Any, client: Any, keys: DevKeys, events: int, rate: float) -> list[float]:
    waits: list[asyncio.Task[float]] = []
    start = time.monotonic()
    for n in range(events):
        # Open loop: each event at its own time, whatever the service's pace.
        await asyncio.sleep(max(0.0, start + n / rate - time.monotonic()))
        published = time.monotonic()
        await publish_event(js, review_decided(f"i-{n}", decided_by="p-bench"))
        headers = keys.headers(f"p-{n}", "employee")
        waits.append(asyncio.create_task(_until_readable(client, headers, published)))
    return list(await asyncio.gather(*waits))


async def _drain(receipts: Receipts, count: int) -> None:
    while len(receipts.times) < count:  # noqa: ASYNC110 - the SMTP server runs in its own thread
        await asyncio.sleep(0.1)


async def _burst(js: Any, receipts: Receipts, first: int, burst: int) -> float:
    before = len(receipts.times)
    for n in range(first, first + burst):
        await publish_event(js, review_decided(f"i-{n}", decided_by="p-bench"))
    await _drain(receipts, before + burst)
    times = receipts.times[before:]
    return (len(times) - 1) / (times[-1] - times[0]) if len(times) > 1 else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--events", type=int, default=500)
    parser.add_argument("--rate", type=float, default=50.0)
    parser.add_argument("--burst", type=int, default=500)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(measure(args.events, args.rate, args.burst)), indent=2))


if __name__ == "__main__":
    main()
