"""The SQLite driver (sqlite_driver.py): inside a transaction, statements run on the event loop's
thread (no trip to aiosqlite's thread, the largest per-statement cost of a consumer); what may
wait for another connection (BEGIN IMMEDIATE, COMMIT, statements outside a transaction) still
goes to the thread. Errors and rollbacks are SQLAlchemy's, whichever thread ran the statement."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiosqlite
import pytest
from runtime_testkit import notes
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from ideapaja_runtime.db import Database


@pytest.fixture
async def db(sqlite_url: str) -> AsyncIterator[Database]:
    database = Database(sqlite_url)
    async with database.engine.begin() as conn:
        await conn.run_sync(notes.metadata.create_all)
    try:
        yield database
    finally:
        await database.dispose()


@pytest.fixture
def trips(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What was sent to aiosqlite's thread (the functions' names)."""
    sent: list[str] = []
    original = aiosqlite.Connection._execute

    async def counted(self: aiosqlite.Connection, fn: Any, *args: Any, **kwargs: Any) -> Any:
        sent.append(getattr(fn, "__name__", repr(fn)))
        return await original(self, fn, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counted)
    return sent


async def test_a_transactions_statements_make_no_trip_to_the_thread(
    db: Database, trips: list[str]
) -> None:
    async with db.transaction() as session:
        await session.execute(select(notes.c.id))  # the connection is checked out, BEGIN sent
        trips.clear()
        for n in range(10):
            await session.execute(notes.insert().values(text=f"note {n}"))
        found = list(await session.scalars(select(notes.c.text).order_by(notes.c.id)))
        assert trips == []
    assert found == [f"note {n}" for n in range(10)]
    # COMMIT went to the thread (its fsync must not hold up the loop).
    assert trips


async def test_begin_and_statements_outside_a_transaction_go_to_the_thread(
    db: Database, trips: list[str]
) -> None:
    async with db.engine.connect() as conn:
        trips.clear()
        await conn.exec_driver_sql("SELECT 1")  # autocommit: no transaction holds the lock
    assert "_run" in trips
    trips.clear()
    async with db.transaction() as session:
        await session.execute(text("SELECT 1"))
    assert "_run" in trips  # BEGIN IMMEDIATE, which may wait for another process's writer


async def test_an_error_inside_a_transaction_is_sqlalchemys_and_rolls_it_back(
    db: Database,
) -> None:
    async with db.transaction() as session:
        await session.execute(notes.insert().values(id=1, text="kept"))
    with pytest.raises(IntegrityError):
        async with db.transaction() as session:
            await session.execute(notes.insert().values(id=2, text="rolled back"))
            await session.execute(notes.insert().values(id=1, text="duplicate"))
    async with db.transaction() as session:
        assert list(await session.scalars(select(notes.c.text))) == ["kept"]
