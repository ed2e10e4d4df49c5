"""One shape for every list the API returns (CONTRIBUTING.md, "API conventions").

Request: ``?limit=`` (1–100, default 50) and ``?cursor=`` (the previous page's ``next_cursor``).
Answer: ``{"items": [...], "total": N, "limit": L, "next_cursor": "…" | null}``.

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
from sqlalchemy import ColumnElement, Select, and_, func, or_, select
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


async def paginate(
    session: AsyncSession,
    statement: Select[Any],
    *,
    keys: Sequence[SortKey],
    page: PageRequest,
    descending: bool = True,
) -> tuple[list[Any], int, str | None]:
    """One page of ``statement``'s rows (ordered by ``keys``, the last of which must be unique),
    the number of all matching rows, and the cursor of the next page.

    ``statement`` selects one ORM entity (the page holds entities) or columns (the page holds
    rows); the keys' values are read back from each by name, so select them (or the entity
    that has them)."""
    total = (
        await session.execute(select(func.count()).select_from(statement.order_by(None).subquery()))
    ).scalar_one()
    ordered = statement.order_by(*(k.desc() if descending else k.asc() for k in keys))
    if page.cursor is not None:
        ordered = ordered.where(
            after(keys, decode_cursor(page.cursor, len(keys)), descending=descending)
        )
    result = (await session.execute(ordered.limit(page.limit))).all()
    # One entity per row (select(Idea)) is handed back as the entity, several columns as rows.
    rows = [row[0] if len(row) == 1 else row for row in result]
    next_cursor = None
    if len(rows) == page.limit and rows:
        last = rows[-1]
        next_cursor = encode_cursor(*(_value_of(last, k) for k in keys))
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
