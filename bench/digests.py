"""Notification digests (issue 17): build and send time for N people with K notices each.

    .venv/bin/python -m bench.digests [--people N] [--items K] [--no-postgres]

Standalone, not a row of ``python -m bench``. The notices are written through the service's own
handler (``on_idea_commented``: each person wrote one idea that gets K comments, and an
employee's comments wait for the daily digest), many events per transaction to keep the setup
short. Then, with the clock at the next 07:00 Helsinki time, it times (a) ``build_due_digests``
(claiming each person's notices, rendering one digest e-mail, text and HTML, and queueing its
delivery; 100 people per transaction) and (b) the delivery sender sending every digest to a
local aiosmtpd server over SMTP until none is pending. SQLite and, where one answers,
PostgreSQL.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from bench.harness import run_alone
from ideapaja_contracts import encode
from ideapaja_contracts.events.hr import HrRole, PersonUpserted
from ideapaja_contracts.events.idea import IdeaCommented
from ideapaja_notification import handlers
from ideapaja_notification.app import service
from ideapaja_notification.db.models import Delivery
from ideapaja_notification.sender import build_sender
from ideapaja_notification.settings import NotificationSettings
from ideapaja_notification.usecases.digests import build_due_digests
from ideapaja_runtime.db import Database
from ideapaja_runtime.outbox import Outbox
from ideapaja_runtime.testing import (
    context_in,
    fast_test_settings,
    free_port,
    migrated_database,
)
from ideapaja_runtime.testing_builders import idea_submitted
from ideapaja_runtime.uow import open_unit_of_work

SOURCE = "/ideapaja/notification"
EVENTS_PER_TRANSACTION = 500


class Catcher:
    """Counts the mails it accepts."""

    def __init__(self) -> None:
        self.received = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received += 1
        return "250 OK"


async def _handle_many(db: Database, calls: list[tuple[Any, Any]], at: datetime) -> None:
    for start in range(0, len(calls), EVENTS_PER_TRANSACTION):
        async with db.transaction() as session:
            for handler, event in calls[start : start + EVENTS_PER_TRANSACTION]:
                envelope = encode(event, source="/bench").envelope
                ctx = context_in(session, envelope, outbox=Outbox(SOURCE), clock=lambda: at)
                await handler(event, ctx)


async def _setup(db: Database, people: int, items: int, at: datetime) -> None:
    ids = [f"p-{n:05d}" for n in range(people)]
    calls: list[tuple[Any, Any]] = [
        (handlers.on_person_upserted, PersonUpserted(
            person_id=pid, unit_id="u-1", display_name=f"Henkilö {pid}",
            email=f"{pid}@vaasa.example", language=("fi", "sv", "en")[n % 3],
            roles=[HrRole.EMPLOYEE]))
        for n, pid in enumerate([*ids, "p-commenter"])
    ]  # fmt: skip
    calls += [
        (handlers.on_idea_submitted, idea_submitted(f"i-{pid}", author_ids=[pid], title=pid))
        for pid in ids
    ]
    await _handle_many(db, calls, at)
    comments: list[tuple[Any, Any]] = [
        (handlers.on_idea_commented, IdeaCommented(
            idea_id=f"i-{pid}", comment_id=f"k-{pid}-{k}", commenter_id="p-commenter",
            body=f"Kommentti {k}: hyvä ajatus, kokeillaan ensi viikolla."))
        for pid in ids for k in range(items)
    ]  # fmt: skip
    await _handle_many(db, comments, at)


async def measure(database_url: str, people: int, items: int) -> dict[str, float]:
    catcher = Catcher()
    port = free_port()
    controller = Controller(catcher, hostname="127.0.0.1", port=port)
    controller.start()
    values: dict[str, Any] = fast_test_settings(
        database_url=database_url, smtp_port=port, sender_batch_size=100
    )
    settings = NotificationSettings(**values)
    evening = datetime(2026, 5, 4, 15, tzinfo=UTC)  # 18:00 in Helsinki
    morning = datetime(2026, 5, 5, 4, 0, 1, tzinfo=UTC)  # 07:00:01 in Helsinki
    try:
        async with migrated_database(database_url, service.migrations) as db:
            await _setup(db, people, items, evening)

            def units() -> Any:
                return open_unit_of_work(db, settings, Outbox(SOURCE), clock=lambda: morning)

            started = time.perf_counter()
            queued = await build_due_digests(units, morning, settings.digest_batch_size)
            built = time.perf_counter() - started

            runtime: Any = type("R", (), {"db": db, "outbox": Outbox(SOURCE), "settings": settings,
                                          "clock": staticmethod(lambda: morning)})()  # fmt: skip
            sender = build_sender(runtime)
            started = time.perf_counter()
            while await sender.send_due():
                pass
            sent = time.perf_counter() - started
            await sender.stop()
            async with db.transaction() as session:
                done = await session.scalar(
                    select(func.count()).select_from(Delivery).where(Delivery.status == "sent")
                )
    finally:
        controller.stop()
    assert queued == people and done == people and catcher.received == people, (queued, done)
    return {
        "people": people,
        "items_each": items,
        "build_s": round(built, 2),
        "build_ms_per_digest": round(1000 * built / people, 2),
        "send_s": round(sent, 2),
        "mails_per_s": round(people / sent, 1),
        "total_s": round(built + sent, 2),
    }


def main() -> None:
    run_alone(
        __doc__,
        measure,
        sqlite_file="notification.db",
        pg_name="ideapaja_bench_digests",
        people=1_000,
        items=10,
    )


if __name__ == "__main__":
    main()
