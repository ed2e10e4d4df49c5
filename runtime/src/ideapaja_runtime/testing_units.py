"""Test helpers around the unit of work: run a handler as its consumer would, hand a use case a
unit of work on a test's transaction or on a fake in-memory database, migrate a test database.
Re-exported by ``ideapaja_runtime.testing``."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from ideapaja_contracts import Envelope, Event, OutgoingMessage, encode
from ideapaja_runtime.auth import Principal
from ideapaja_runtime.clock import Clock, utc_now
from ideapaja_runtime.db import Database
from ideapaja_runtime.messaging import HandlerContext
from ideapaja_runtime.outbox import Outbox, OutboxEntry
from ideapaja_runtime.settings import ServiceSettings
from ideapaja_runtime.uow import EventUnitOfWork, UnitOfWork, open_unit_of_work

S = TypeVar("S", bound=ServiceSettings)


@asynccontextmanager
async def handler_context(
    db: Database,
    envelope: Envelope,
    *,
    settings: ServiceSettings | None = None,
    outbox: Outbox | None = None,
    clock: Clock = utc_now,
) -> AsyncIterator[HandlerContext]:
    """A consumer's unit of work for ``envelope``, committed when the block ends: run a handler
    in it as the consumer would (without the inbox)."""
    async with db.transaction() as session:
        yield context_in(session, envelope, outbox=outbox, settings=settings, clock=clock)


def context_in(
    session: AsyncSession,
    envelope: Envelope,
    *,
    outbox: Outbox | None = None,
    settings: ServiceSettings | None = None,
    clock: Clock = utc_now,
) -> HandlerContext:
    """A consumer's unit of work on a transaction the test already holds."""
    return EventUnitOfWork(
        session=session,
        settings=settings if settings is not None else ServiceSettings(),
        outbox=outbox if outbox is not None else Outbox(envelope.source or "/ideapaja/test"),
        clock=clock,
        now=clock(),
        traceparent=envelope.traceparent,
        envelope=envelope,
    )


class RecordingOutbox(Outbox):
    """An outbox that keeps what a use case publishes in memory (a unit test reads
    ``outbox.events``) instead of storing rows for a relay."""

    def __init__(self, source: str = "/ideapaja/test") -> None:
        super().__init__(source)
        self.events: list[Event] = []

    def add_entries(
        self, session: Session, entries: Sequence[OutboxEntry]
    ) -> list[OutgoingMessage]:
        messages = [
            encode(entry.event, source=self.source, event_id=entry.event_id) for entry in entries
        ]
        self.events.extend(entry.event for entry in entries)
        return messages


@asynccontextmanager
async def fake_unit_of_work(
    migrations: Path | None,
    settings: ServiceSettings,
    *,
    actor: Principal | None = None,
    clock: Clock = utc_now,
) -> AsyncIterator[UnitOfWork[Any]]:
    """A unit of work on a private in-memory database with the service's schema, whose
    published events are recorded (``uow.outbox.events``): for the fast unit tests of use
    cases (``pytest -m unit``), which need no NATS, no files and no other process."""
    async with (
        migrated_database("sqlite+aiosqlite://", migrations) as db,
        open_unit_of_work(db, settings, RecordingOutbox(), clock=clock, actor=actor) as uow,
    ):
        yield uow


@asynccontextmanager
async def migrated_database(
    url: str, migrations: Path | None, *, to: str = "head"
) -> AsyncIterator[Database]:
    """A database at ``url`` with the runtime's and the service's schema, disposed afterwards;
    the service's only up to revision ``to`` if given (one an older release left, to test a
    migration on)."""
    db = Database(url)
    await db.migrate(migrations, to=to)
    try:
        yield db
    finally:
        await db.dispose()


def uow_in(
    session: AsyncSession,
    settings: S,
    *,
    outbox: Outbox | None = None,
    actor: Principal | None = None,
    clock: Clock = utc_now,
) -> UnitOfWork[S]:
    """A unit of work on a transaction the test already holds (as a route's would be)."""
    return UnitOfWork(
        session=session,
        settings=settings,
        outbox=outbox if outbox is not None else Outbox("/ideapaja/test"),
        clock=clock,
        now=clock(),
        actor=actor,
    )
