"""One list shape: keyset cursors that never repeat or skip an item, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Column, MetaData, String, Table, insert, select

from ideapaja_runtime.clock import UtcDateTime
from ideapaja_runtime.db import Database
from ideapaja_runtime.errors import InvalidInput
from ideapaja_runtime.pagination import (
    Page,
    PageRequest,
    decode_cursor,
    encode_cursor,
    page_of,
    paginate,
)

metadata = MetaData()
items = Table(
    "paged_items",
    metadata,
    Column("id", String(20), primary_key=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("kind", String(10), nullable=False),
)
T0 = datetime(2027, 1, 14, 11, 0, tzinfo=UTC)


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    async with database.engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    try:
        yield database
    finally:
        async with database.engine.begin() as conn:
            await conn.run_sync(metadata.drop_all)
        await database.dispose()


async def add(db: Database, *rows: tuple[str, datetime, str]) -> None:
    async with db.transaction() as session:
        await session.execute(
            insert(items), [{"id": i, "created_at": t, "kind": k} for i, t, k in rows]
        )


async def walk(db: Database, limit: int, kind: str | None = None) -> tuple[list[str], list[int]]:
    """Every page in turn: the ids seen and the totals each page reported."""
    seen: list[str] = []
    totals: list[int] = []
    cursor = None
    while True:
        statement = select(items.c.id, items.c.created_at)
        if kind is not None:
            statement = statement.where(items.c.kind == kind)
        async with db.transaction() as session:
            rows, total, cursor = await paginate(
                session,
                statement,
                keys=[items.c.created_at, items.c.id],
                page=PageRequest(limit=limit, cursor=cursor),
            )
        seen += [row.id for row in rows]
        totals.append(total)
        if cursor is None:
            return seen, totals


async def test_every_item_once_newest_first_with_ties_broken_by_id(db: Database) -> None:
    # Three items share each instant, so the id must break ties across page boundaries.
    rows = [(f"i-{n:02d}", T0 + timedelta(minutes=n // 3), "ab"[n % 2]) for n in range(23)]
    newest_first = sorted(rows, key=lambda r: (r[1], r[0]), reverse=True)
    await add(db, *rows)
    for limit in (1, 2, 5, 23, 100):
        seen, totals = await walk(db, limit)
        assert seen == [r[0] for r in newest_first], limit
        assert set(totals) == {23}
    odd, totals = await walk(db, 4, kind="b")
    assert odd == [r[0] for r in newest_first if r[2] == "b"]
    assert set(totals) == {11}


async def test_items_added_meanwhile_do_not_shift_the_pages(db: Database) -> None:
    await add(db, *[(f"i-{n:02d}", T0 + timedelta(minutes=n), "a") for n in range(10)])
    statement = select(items.c.id, items.c.created_at)
    keys = [items.c.created_at, items.c.id]
    async with db.transaction() as session:
        rows, _, cursor = await paginate(session, statement, keys=keys, page=PageRequest(4))
        first = [row.id for row in rows]
    await add(db, ("i-new", T0 + timedelta(hours=1), "a"))
    async with db.transaction() as session:
        rows, total, _ = await paginate(session, statement, keys=keys, page=PageRequest(4, cursor))
        second = [row.id for row in rows]
    assert first == ["i-09", "i-08", "i-07", "i-06"]
    assert second == ["i-05", "i-04", "i-03", "i-02"]
    assert total == 11


def test_a_cursor_round_trips_its_position_with_the_offset_kept() -> None:
    moment = datetime(2027, 1, 14, 13, 0, tzinfo=UTC)
    assert decode_cursor(encode_cursor(moment, "i-1", 7), 3) == (moment, "i-1", 7)


@pytest.mark.parametrize(
    "cursor",
    ["", "not base64 at all!", encode_cursor("i-1"), "W10", "eyJ0IjoxfQ", "WyIxIix0cnVlXQ"],
)
def test_anything_but_a_cursor_from_a_page_is_a_422_naming_the_parameter(cursor: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        decode_cursor(cursor, 2)
    assert refused.value.field == "cursor"


def test_the_page_model_documents_every_field() -> None:
    schema = Page[int].model_json_schema()
    assert set(schema["required"]) == {"items", "total", "limit", "next_cursor"}
    assert all(prop.get("description") for prop in schema["properties"].values())


async def test_page_of_answers_the_page_shape(db: Database) -> None:
    await add(db, *[(f"i-{n}", T0 + timedelta(minutes=n), "a") for n in range(3)])
    async with db.transaction() as session:
        page = await page_of(
            session,
            select(items.c.id, items.c.created_at),
            keys=[items.c.created_at, items.c.id],
            page=PageRequest(limit=2),
            item=lambda row: row.id,
        )
    assert page.items == ["i-2", "i-1"]
    assert (page.total, page.limit) == (3, 2)
    assert page.next_cursor is not None
