"""One shape for every list the API returns (CONTRIBUTING.md, "API conventions").

Request: ``?limit=`` (1–100, default 50) and ``?cursor=`` (the previous page's ``next_cursor``).
Answer: ``{"items": [...], "total": N, "total_exact": true, "limit": L, "next_cursor": …}``.
A list that may match very many rows (idea search) counts up to a limit: past it, ``total`` is
the limit and ``total_exact`` false ("more than N"), since an exact count reads every match.

Cursors are keyset positions (the sort key of the page's last item), not offsets: a page never
repeats or skips an item when others are added meanwhile, and the thousandth page costs what the
first does. They are opaque to clients (base64url JSON).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel, Field
from sqlalchemy import ColumnElement, Select, and_, func, literal_column, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import QueryableAttribute

from ideapaja_runtime.clock import as_utc
from ideapaja_runtime.errors import InvalidInput

T = TypeVar("T")
R = TypeVar("R")
# A sort key: a table column or a mapped attribute (``Idea.submitted_at``).
SortKey = ColumnElement[Any] | QueryableAttribute[Any]

DEFAULT_LIMIT = 50
MAX_LIMIT = 100
MAX_CURSOR_LENGTH = 500


class Page(BaseModel, Generic[T]):
    """A page of a list."""

    items: list[T] = Field(description="This page's items, in the list's order.")
    total: int = Field(description="How many items match, on all pages together.")
    total_exact: bool = Field(
        default=True,
        description="False when more than `total` items match: the list stopped counting there "
        "(searches count up to 1,000).",
    )
    limit: int = Field(description="The page size asked for.")
    next_cursor: str | None = Field(
        description="Pass as `?cursor=` for the next page; null on the last page."
    )


Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description=f"Items per page (1–{MAX_LIMIT}).")]
Cursor = Annotated[
    str | None,
    Query(
        max_length=MAX_CURSOR_LENGTH,
        description="`next_cursor` of the previous page; omit for the first page.",
    ),
]


@dataclass(frozen=True)
class PageRequest:
    limit: int = DEFAULT_LIMIT
    cursor: str | None = None


async def page_request(limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None) -> PageRequest:
    return PageRequest(limit=limit, cursor=cursor)


PageParams = Annotated[PageRequest, Depends(page_request)]

Key = str | int | datetime


def encode_cursor(*position: Key) -> str:
    """The opaque cursor for a position (the sort key of a page's last item)."""
    values = [{"t": v.isoformat()} if isinstance(v, datetime) else v for v in position]
    raw = json.dumps(values, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, arity: int) -> tuple[Key, ...]:
    """The position in ``cursor``; a 422 naming the ``cursor`` parameter if it is not one."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
        if not isinstance(values, list) or len(values) != arity:
            raise ValueError("wrong length")
        return tuple(_key(v) for v in values)
    except (ValueError, TypeError, UnicodeDecodeError, binascii.Error) as exc:
        raise InvalidInput(
            "cursor", "not a cursor from a previous page of this list", kind="cursor"
        ) from exc


def _key(value: Any) -> Key:
    if isinstance(value, dict) and set(value) == {"t"} and isinstance(value["t"], str):
        moment = datetime.fromisoformat(value["t"])
        if moment.tzinfo is None:
            raise ValueError("naive time in cursor")
        return as_utc(moment)
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValueError("not a cursor value")
    return value


def after(keys: Sequence[SortKey], position: Sequence[Key], *, descending: bool) -> Any:
    """Rows strictly past ``position`` in the order of ``keys`` (all descending or all
    ascending), written as nested comparisons (row values compare the same on SQLite and
    PostgreSQL, but this form also lets each column's index be used)."""
    alternatives = []
    for i, key in enumerate(keys):
        past = key < position[i] if descending else key > position[i]
        alternatives.append(and_(*(keys[j] == position[j] for j in range(i)), past))
    return or_(*alternatives)


async def count_of(session: AsyncSession, statement: Select[Any], *, up_to: int | None) -> int:
    """How many rows ``statement`` selects; with ``up_to``, at most ``up_to + 1`` (more than
    ``up_to``), read without going past them."""
    rows = statement.order_by(None)
    if up_to is not None:  # a constant per row: no column is read to be counted
        rows = rows.with_only_columns(literal_column("1"), maintain_column_froms=True)
        rows = rows.limit(up_to + 1)
    counted = select(func.count()).select_from(rows.subquery())
    return int((await session.execute(counted)).scalar_one())


async def paginate(
    session: AsyncSession,
    statement: Select[Any],
    *,
    keys: Sequence[SortKey],
    page: PageRequest,
    descending: bool = True,
    count_up_to: int | None = None,
    walking: Select[Any] | None = None,
) -> tuple[list[Any], int, str | None]:
    """One page of ``statement``'s rows (ordered by ``keys``, the last of which must be unique),
    the number of all matching rows (``count_of``), and the cursor of the next page.

    ``walking``: the same rows, written so that the database reads them in the order of
    ``keys`` (their index) and filters them; the page is read with it when more than
    ``count_up_to`` rows match, where that finds a page sooner than sorting every match.

    ``statement`` selects one ORM entity (the page holds entities) or columns (the page holds
    rows); the keys' values are read back from each by name, so select them (or the entity
    that has them)."""
    total = await count_of(session, statement, up_to=count_up_to)
    if walking is not None and count_up_to is not None and total > count_up_to:
        statement = walking
    ordered = statement.order_by(*(k.desc() if descending else k.asc() for k in keys))
    if page.cursor is not None:
        ordered = ordered.where(
            after(keys, decode_cursor(page.cursor, len(keys)), descending=descending)
        )
    # One row more than the page tells whether another page follows, so a page that is
    # exactly full ends the list instead of pointing at an empty one.
    result = (await session.execute(ordered.limit(page.limit + 1))).all()
    more = len(result) > page.limit
    # One entity per row (select(Idea)) is handed back as the entity, several columns as rows.
    rows = [row[0] if len(row) == 1 else row for row in result[: page.limit]]
    next_cursor = encode_cursor(*(_value_of(rows[-1], k) for k in keys)) if more else None
    return rows, int(total), next_cursor


async def page_of(
    session: AsyncSession,
    statement: Select[Any],
    *,
    keys: Sequence[SortKey],
    page: PageRequest,
    item: Callable[[Any], R],
    descending: bool = True,
) -> Page[R]:
    """``paginate``, answered as a ``Page`` of ``item(row)`` (e.g. ``XPublic.model_validate``)."""
    rows, total, next_cursor = await paginate(
        session, statement, keys=keys, page=page, descending=descending
    )
    return Page[R](
        items=[item(row) for row in rows], total=total, limit=page.limit, next_cursor=next_cursor
    )


def page_from(
    page: PageRequest,
    items: Sequence[T],
    total: int,
    next_cursor: str | None,
    *,
    item: Callable[[T], R],
    counted_up_to: int | None = None,
) -> Page[R]:
    """The page of ``items`` (already selected, one page long), each shown by ``item``: for
    lists whose page is selected first and completed after (details read for the page at once).
    ``counted_up_to``: ``total`` came from ``count_of(up_to=…)``."""
    exact = counted_up_to is None or total <= counted_up_to
    return Page[R](
        items=[item(i) for i in items],
        total=total if exact else counted_up_to,
        total_exact=exact,
        limit=page.limit,
        next_cursor=next_cursor,
    )


def page_of_computed(
    items: Sequence[T],
    *,
    key: Callable[[T], tuple[Key, ...]],
    arity: int,
    page: PageRequest,
    item: Callable[[T], R],
) -> Page[R]:
    """One page of a list computed rather than selected (merged from several sources, counted in
    Python), ascending by ``key`` (unique per item, ``arity`` values long), with the same keyset
    cursors as ``paginate``."""
    ordered = sorted(items, key=key)
    if page.cursor is not None:
        position = decode_cursor(page.cursor, arity)
        ordered = [i for i in ordered if key(i) > position]
    chosen = ordered[: page.limit]
    more = len(ordered) > page.limit
    next_cursor = encode_cursor(*key(chosen[-1])) if more else None
    return page_from(page, chosen, len(items), next_cursor, item=item)


def _value_of(row: Any, key: SortKey) -> Key:
    name = key.key
    if name is None:
        raise TypeError(f"cursor key {key} has no name to read it back by")
    value = getattr(row, name)
    if isinstance(value, datetime):
        return as_utc(value)
    if not isinstance(value, str | int):
        raise TypeError(f"cursor key {key} is {type(value).__name__}, not str, int or datetime")
    return value
