"""Every stored timestamp round-trips exactly on SQLite and PostgreSQL (issue 12, item 4.1).

A time is an instant: whatever offset it was written with (a meeting typed in Helsinki at
+02:00, an HR event stamped +05:30), it is read back as the same instant, and rows sort by it.
SQLite has no time type: a column that is not ``UtcDateTime`` stores the wall time and drops the
offset, so a meeting at 13:00+02:00 came back as 13:00 UTC. Hence two checks: every timestamp
column of every service (and the runtime's inbox and outbox) is a ``UtcDateTime``, and that type
round-trips every offset on both databases.
"""

from __future__ import annotations

import asyncio
import importlib
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Column, DateTime, Integer, MetaData, Table, insert, select
from sqlalchemy.ext.asyncio import create_async_engine

from ideapaja_runtime.clock import UtcDateTime
from ideapaja_runtime.db import Database
from ideapaja_runtime.inbox import inbox_table
from ideapaja_runtime.outbox import outbox_table
from ideapaja_runtime.service import discover_services

# Every offset in use on Earth: -12:00 .. +14:00 by the hour, and the :30 and :45 ones.
OFFSETS = sorted(
    {timedelta(hours=h) for h in range(-12, 15)}
    | {timedelta(hours=h, minutes=30 if h >= 0 else -30) for h in (-9, -3, 3, 4, 5, 6, 9, 10)}
    | {timedelta(hours=h, minutes=45) for h in (5, 8, 12)}
)
ZONES = st.sampled_from([timezone(offset) for offset in OFFSETS])
MOMENTS = st.datetimes(
    min_value=datetime(1971, 1, 1), max_value=datetime(2099, 12, 31), timezones=ZONES
)


def stored_time_columns() -> list[tuple[str, Column[object]]]:
    """Every timestamp column a service or the runtime stores."""
    tables: list[Table] = [inbox_table, outbox_table]
    for name in discover_services():
        models = importlib.import_module(f"ideapaja_{name}.db.models")
        metadatas = {
            value.metadata
            for value in vars(models).values()
            if isinstance(getattr(value, "metadata", None), MetaData)
        }
        tables += [table for metadata in metadatas for table in metadata.tables.values()]
    return [
        (f"{table.name}.{column.name}", column)
        for table in tables
        for column in table.columns
        if isinstance(column.type, DateTime | UtcDateTime)
    ]


def test_every_stored_time_is_an_offset_safe_column() -> None:
    columns = stored_time_columns()
    assert len(columns) > 50
    plain = [name for name, column in columns if not isinstance(column.type, UtcDateTime)]
    assert plain == [], f"timestamps stored without their offset on SQLite: {plain}"


def test_the_offsets_swept_include_the_odd_ones() -> None:
    assert timedelta(hours=5, minutes=45) in OFFSETS and timedelta(hours=-9, minutes=-30) in OFFSETS
    assert OFFSETS[0] == timedelta(hours=-12) and OFFSETS[-1] == timedelta(hours=14)


async def _round_trip(url: str, moments: list[datetime]) -> tuple[list[datetime], list[int]]:
    metadata = MetaData()
    table = Table(
        "times",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("at", UtcDateTime, nullable=False),
    )
    engine = create_async_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(metadata.drop_all)
            await connection.run_sync(metadata.create_all)
            await connection.execute(
                insert(table), [{"id": i, "at": m} for i, m in enumerate(moments)]
            )
            back = (await connection.execute(select(table.c.at).order_by(table.c.id))).scalars()
            read = list(back)
            ordered = (
                await connection.execute(select(table.c.id).order_by(table.c.at, table.c.id))
            ).scalars()
            return read, list(ordered)
    finally:
        await engine.dispose()


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(moments=st.lists(MOMENTS, min_size=1, max_size=12))
def test_any_offset_round_trips_and_sorts_by_instant(
    database_url: str, moments: list[datetime]
) -> None:
    read, ordered = asyncio.run(_round_trip(database_url, moments))
    assert read == moments  # the same instants (aware datetimes compare as instants)
    assert all(m.utcoffset() == timedelta(0) for m in read)
    assert ordered == sorted(range(len(moments)), key=lambda i: (moments[i], i))


@pytest.mark.parametrize("offset", OFFSETS, ids=str)
def test_the_runtime_tables_keep_the_instant(database_url: str, offset: timedelta) -> None:
    """The inbox's and outbox's own times, written with any offset, read back as that instant."""
    moment = datetime(2027, 1, 14, 13, 0, tzinfo=timezone(offset))

    async def run() -> tuple[object, object]:
        db = Database(database_url)
        try:
            await db.migrate(None)
            async with db.transaction() as session:
                await session.execute(
                    insert(inbox_table).values(
                        consumer="c", event_id="e", event_type="t", processed_at=moment
                    )
                )
                await session.execute(
                    insert(outbox_table).values(
                        event_id="e",
                        subject="s",
                        headers={},
                        body=b"",
                        created_at=moment,
                        attempts=0,
                    )
                )
            async with db.transaction() as session:
                return (
                    await session.scalar(select(inbox_table.c.processed_at)),
                    await session.scalar(select(outbox_table.c.created_at)),
                )
        finally:
            await db.dispose()

    processed, created = asyncio.run(run())
    assert processed == moment and created == moment
    assert processed == moment.astimezone(UTC)
