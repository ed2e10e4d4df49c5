"""A read kept for one transaction (``transaction_snapshots``): read once, shared by the callers
of the transaction, and read again once its writer forgets it or, for a declared name, once the
transaction writes one of its tables (pending or flushed ORM change, DML statement)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import String, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from ideapaja_runtime import transaction_snapshots
from ideapaja_runtime.db import Database


class Base(DeclarativeBase):
    pass


class Colour(Base):
    __tablename__ = "snapshot_colours"
    name: Mapped[str] = mapped_column(String(20), primary_key=True)


class Other(Base):
    __tablename__ = "snapshot_others"
    name: Mapped[str] = mapped_column(String(20), primary_key=True)


COLOURS = Colour.__table__
DECLARED = transaction_snapshots.kept_until_written("test.colours_declared", [COLOURS])
BY_HAND = "test.colours_by_hand"


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    async with database.engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    async with database.transaction() as session:
        session.add(Colour(name="red"))
    yield database
    await database.dispose()


class Reads:
    """``read`` that counts how often the database was asked."""

    def __init__(self) -> None:
        self.count = 0

    async def __call__(self, session: AsyncSession) -> list[str]:
        self.count += 1
        return sorted(await session.scalars(select(Colour.name)))


async def test_a_read_is_made_once_per_transaction_and_shared(db: Database) -> None:
    reads = Reads()
    for name in (DECLARED, BY_HAND):
        async with db.transaction() as session:
            first = await transaction_snapshots.snapshot(session, name, reads)
            assert await transaction_snapshots.snapshot(session, name, reads) is first
    assert first == ["red"]
    assert reads.count == 2, "one read per name and transaction"


async def test_the_writer_forgets_a_read_kept_by_hand(db: Database) -> None:
    reads = Reads()
    async with db.transaction() as session:
        assert await transaction_snapshots.snapshot(session, BY_HAND, reads) == ["red"]
        await session.execute(insert(COLOURS).values(name="blue"))
        # Not declared: nothing but its writer drops it.
        assert await transaction_snapshots.snapshot(session, BY_HAND, reads) == ["red"]
        transaction_snapshots.forget(session, BY_HAND)
        assert await transaction_snapshots.snapshot(session, BY_HAND, reads) == ["blue", "red"]
    assert reads.count == 2


async def test_a_declared_read_is_dropped_by_any_write_to_its_tables(db: Database) -> None:
    reads = Reads()

    async def colours(session: AsyncSession) -> list[str]:
        return await transaction_snapshots.snapshot(session, DECLARED, reads)

    async with db.transaction() as session:
        assert await colours(session) == ["red"]
        session.add(Other(name="x"))  # another table, pending and then flushed: still kept
        await session.flush()
        await session.execute(insert(Other.__table__).values(name="y"))
        assert await colours(session) == ["red"]
        assert reads.count == 1
        session.add(Colour(name="blue"))  # pending, not flushed
        assert await colours(session) == ["blue", "red"]
        session.add(Colour(name="green"))  # flushed
        await session.flush()
        assert await colours(session) == ["blue", "green", "red"]
        await session.execute(delete(Colour).where(Colour.name == "red"))  # ORM DML
        assert await colours(session) == ["blue", "green"]
        await session.execute(update(COLOURS).values(name="grey").where(COLOURS.c.name == "blue"))
        assert await colours(session) == ["green", "grey"]  # Core DML
    assert reads.count == 5


async def test_a_read_is_not_kept_past_its_session(db: Database) -> None:
    reads = Reads()
    async with db.transaction() as session:
        await transaction_snapshots.snapshot(session, BY_HAND, reads)
        await session.execute(insert(COLOURS).values(name="blue"))
    async with db.transaction() as session:
        assert await transaction_snapshots.snapshot(session, BY_HAND, reads) == ["blue", "red"]
    assert reads.count == 2


def test_no_listener_costs_a_process_that_declares_nothing() -> None:
    # A fresh interpreter: this module's own declaration has installed them here.
    check = (
        "from sqlalchemy import event\n"
        "from sqlalchemy.orm import Session\n"
        "from ideapaja_runtime import transaction_snapshots as t\n"
        "assert not event.contains(Session, 'do_orm_execute', t._statement)\n"
        "t.kept_until_written('x', [])\n"
        "assert event.contains(Session, 'do_orm_execute', t._statement)\n"
    )
    subprocess.run([sys.executable, "-c", check], check=True)
