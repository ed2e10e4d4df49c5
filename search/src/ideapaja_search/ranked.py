"""One page of a list in search order: the rows of the first tier (exact matches) before those of
the next (compound parts, word starts), each tier in the list's own order.

Each tier is its own query with the list's ORDER BY and LIMIT, so the common case (a page filled
by exact matches) is one query that the list's keyset index serves, as without search; the next
tier is read only when the page is not full. The cursor is the list's keyset position prefixed by
the tier it is in (opaque to clients, like every cursor). The count a page reports anyway also tells
which tiers are empty (per tier on SQLite, all of them on PostgreSQL), and an empty tier costs no
query of its own.

A list that counts only up to a limit (``count_up_to``, idea search: an exact count of a common
word reads every idea that has it) can give a second form of its statement and tiers,
``walking``, for when the limit is passed: rows read in the list's own order (its keyset index)
and tested against the search, which finds a page among many matches at once, where reading
every match and sorting them would not (SQLite's FTS5 index: ``SearchColumns.fts_match``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ideapaja_runtime.clock import as_utc
from ideapaja_runtime.errors import InvalidInput
from ideapaja_runtime.pagination import (
    Key,
    PageRequest,
    SortKey,
    after,
    count_of,
    decode_cursor,
    encode_cursor,
)


def _start(page: PageRequest, tiers: int, arity: int) -> tuple[int, tuple[Key, ...] | None]:
    if page.cursor is None:
        return 0, None
    tier, *position = decode_cursor(page.cursor, arity + 1)
    if not isinstance(tier, int) or not 0 <= tier < tiers:
        raise InvalidInput(
            "cursor", "not a cursor from a previous page of this list", kind="cursor"
        )
    return tier, tuple(position)


def _value(row: Any, key: SortKey) -> Key:
    value = getattr(row, str(key.key))
    return as_utc(value) if isinstance(value, datetime) else value


async def _tier_sizes(
    session: AsyncSession,
    statement: Select[Any],
    tiers: Sequence[ColumnElement[bool]],
    matched: ColumnElement[bool],
) -> tuple[int, list[bool]]:
    """The total, and which tiers may hold rows (a tier that cannot is never queried).

    SQLite scans the table to count anyway, so the same scan counts each tier. PostgreSQL
    counts through the GIN index, which a per-row tier flag would defeat (every row's vector
    read back): there only an empty result rules the tiers out."""
    counted = statement.where(matched).order_by(None)
    if session.get_bind().dialect.name == "postgresql":
        total = await session.execute(select(func.count()).select_from(counted.subquery()))
        found = int(total.scalar_one())
        return found, [found > 0] * len(tiers)
    flags = [case((tier, 1), else_=0).label(f"tier_{n}") for n, tier in enumerate(tiers)]
    flagged = counted.add_columns(*flags).subquery()
    sums = [func.coalesce(func.sum(flagged.c[f"tier_{n}"]), 0) for n in range(len(tiers))]
    sizes = [int(value) for value in (await session.execute(select(*sums))).one()]
    return sum(sizes), [size > 0 for size in sizes]


async def ranked_paginate(
    session: AsyncSession,
    statement: Select[Any],
    *,
    tiers: Sequence[ColumnElement[bool]],
    matched: ColumnElement[bool],
    keys: Sequence[SortKey],
    page: PageRequest,
    descending: bool = True,
    count_up_to: int | None = None,
    walking: tuple[Select[Any], Sequence[ColumnElement[bool]]] | None = None,
    counted: Sequence[Select[Any]] = (),
) -> tuple[list[Any], int, str | None]:
    """``paginate``'s answer (rows, total, next cursor) for ``statement`` (one ORM entity) ranked
    by ``tiers`` (disjoint conditions, best first, together ``matched``); ``count_up_to`` and
    ``walking`` as in the module's docstring; ``counted``: what to count, in turn, until one
    passes ``count_up_to`` (the last: every match), if other than ``statement.where(matched)``
    (``sql.counted``)."""
    if count_up_to is None:
        total, holds_rows = await _tier_sizes(session, statement, tiers, matched)
    else:
        for counting in counted or [statement.where(matched)]:
            total = await count_of(session, counting, up_to=count_up_to)
            if total > count_up_to:
                break
        holds_rows = [total > 0] * len(tiers)
        if walking is not None and total > count_up_to:
            statement, tiers = walking
    tier, position = _start(page, len(tiers), len(keys))
    found: list[tuple[int, Any]] = []
    for rank in range(tier, len(tiers)):
        if not holds_rows[rank]:
            continue  # nothing to read (often: no exact match, or only exact ones)
        query = statement.where(tiers[rank]).order_by(
            *(k.desc() if descending else k.asc() for k in keys)
        )
        if rank == tier and position is not None:
            query = query.where(after(keys, position, descending=descending))
        rows = (await session.scalars(query.limit(page.limit + 1 - len(found)))).all()
        found += [(rank, row) for row in rows]
        if len(found) > page.limit:
            break
    more = len(found) > page.limit
    found = found[: page.limit]
    next_cursor = None
    if more:
        last_rank, last = found[-1]
        next_cursor = encode_cursor(last_rank, *(_value(last, k) for k in keys))
    return [row for _, row in found], total, next_cursor
