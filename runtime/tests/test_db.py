"""Database.run_transaction: synchronous work in one transaction (on SQLite, in the writer
thread), with the same commit, rollback and after-commit rules as ``transaction()``."""

from __future__ import annotations

import asyncio
import threading

import pytest
from runtime_testkit import notes
from sqlalchemy import select
from sqlalchemy.orm import Session

from ideapaja_runtime.db import Database, insert_unless_present


@pytest.fixture
def db(notes_db: Database) -> Database:
    return notes_db


async def texts(db: Database) -> list[str]:
    async with db.transaction() as session:
        return list(await session.scalars(select(notes.c.text).order_by(notes.c.id)))


async def test_the_work_is_committed_and_its_result_returned(db: Database) -> None:
    def write(session: Session) -> list[str]:
        session.execute(notes.insert().values(text="kept"))
        return list(session.scalars(select(notes.c.text)))

    assert await db.run_transaction(write) == ["kept"]
    assert await texts(db) == ["kept"]


async def test_work_that_raises_leaves_nothing_and_runs_no_after_commit_hook(db: Database) -> None:
    called: list[str] = []

    def write_then_fail(session: Session) -> None:
        session.execute(notes.insert().values(text="lost"))
        Database.after_commit(session, lambda: called.append("hook"))
        raise ValueError("refused")

    with pytest.raises(ValueError, match="refused"):
        await db.run_transaction(write_then_fail)
    assert await texts(db) == []
    assert called == []


async def test_after_commit_hooks_run_on_the_event_loop_once_committed(db: Database) -> None:
    seen: list[str] = []
    loop_thread = threading.current_thread().name

    def hook() -> None:
        # On the loop's thread, where asyncio objects (the relay's wake event) may be touched.
        seen.append(threading.current_thread().name)

    def write(session: Session) -> None:
        session.execute(notes.insert().values(text="hooked"))
        Database.after_commit(session, hook)

    await db.run_transaction(write)
    assert seen == [loop_thread]
    assert await texts(db) == ["hooked"]


async def test_writers_of_both_kinds_take_turns(db: Database) -> None:
    import asyncio

    def write(text: str) -> object:
        return lambda session: session.execute(notes.insert().values(text=text))

    async def through_async_session(text: str) -> None:
        async with db.transaction() as session:
            await session.execute(notes.insert().values(text=text))

    await asyncio.gather(
        *(db.run_transaction(write(f"sync {n}")) for n in range(10)),  # type: ignore[arg-type]
        *(through_async_session(f"async {n}") for n in range(10)),
    )
    assert len(await texts(db)) == 20


async def test_run_transaction_inside_an_open_sqlite_transaction_is_refused(
    sqlite_url: str,
) -> None:
    db = Database(sqlite_url)
    async with db.engine.begin() as conn:
        await conn.run_sync(notes.metadata.create_all)
    try:
        async with db.transaction() as session:
            await session.execute(notes.insert().values(text="outer"))
            # It would wait for the write lock this very task holds.
            with pytest.raises(RuntimeError, match="inside an open transaction"):
                await db.run_transaction(lambda s: None)
    finally:
        await db.dispose()


async def test_insert_unless_present_inserts_once_and_says_whether_it_did(db: Database) -> None:
    async with db.transaction() as session:
        assert await insert_unless_present(session, notes, {"id": 7, "text": "first"})
        assert not await insert_unless_present(session, notes, {"id": 7, "text": "second"})
    async with db.transaction() as session:
        assert not await insert_unless_present(session, notes, {"id": 7, "text": "replayed"})
    assert await texts(db) == ["first"]


async def test_a_probe_reads_while_a_writer_holds_the_lock(db: Database) -> None:
    """/readyz and the outbox gauge read through ``reading()``: on SQLite they waited for the
    write lock (up to the 30 s busy timeout, a readiness probe timing out on a busy service)."""
    async with db.transaction() as session:
        await session.execute(notes.insert().values(text="committed"))
    async with db.transaction() as session:
        await session.execute(notes.insert().values(text="being written"))
        await asyncio.wait_for(db.ping(), timeout=5)
        async with db.reading() as conn:
            seen = await asyncio.wait_for(conn.scalars(select(notes.c.text)), timeout=5)
            assert seen.all() == ["committed"]
