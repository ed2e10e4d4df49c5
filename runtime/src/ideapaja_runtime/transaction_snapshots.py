"""Reads kept for one transaction: a read that a transaction makes again and again (the whole
org for every case or grant of a consumer's batch) is made once and kept in the session, until
the transaction writes what it read.

A read is kept under its name in ``session.info`` (one session, one transaction) by
``snapshot(session, name, read)``. It is dropped in one of two ways, chosen per name:

- by its writer, ``forget(session, name)``: where one function writes what the read reads. This
  costs nothing elsewhere.
- by any write to its tables, for a name declared with ``kept_until_written(name, tables)`` at
  import: an ORM change (pending or flushed) or a DML statement on one of them. Where many
  places write those tables. The first declaration makes SQLAlchemy call two listeners for
  every statement and flush of every session in the process (about 10 µs a statement), so a
  service whose hot path is its statements forgets by hand instead.

The kept read is shared by every caller in the transaction: callers copy what they may change.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import Any, TypeVar

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import ORMExecuteState, Session

__all__ = ["forget", "kept_until_written", "snapshot"]

T = TypeVar("T")

# A declared snapshot's name -> the tables whose writes drop it.
_TABLES: dict[str, frozenset[Any]] = {}


def kept_until_written(name: str, tables: Iterable[Any]) -> str:
    """Declare the snapshot ``name`` (at import), dropped by any write to ``tables``."""
    if not _TABLES:
        # Only once something is declared: the listeners cost every statement of the process.
        event.listen(Session, "after_flush", _flushed)
        event.listen(Session, "do_orm_execute", _statement)
    _TABLES[name] = frozenset(tables)
    return name


def forget(session: AsyncSession | Session, name: str) -> None:
    """Drop the kept ``name`` read: its writer changed what it read."""
    session.info.pop(name, None)


async def snapshot(
    session: AsyncSession, name: str, read: Callable[[AsyncSession], Awaitable[T]]
) -> T:
    """The transaction's kept ``name`` read, or ``read``'s answer, kept. Callers copy what they
    may change."""
    info = session.info
    kept: T | None = info.get(name)
    tables = _TABLES.get(name)
    if kept is None or (tables is not None and _touches(session.sync_session, tables)):
        kept = await read(session)
        info[name] = kept
    return kept


def _touches(session: Session, tables: frozenset[Any]) -> bool:
    changed = (*session.new, *session.dirty, *session.deleted)
    return any(getattr(obj, "__table__", None) in tables for obj in changed)


def _flushed(session: Session, _flush_context: object) -> None:
    info = session.info
    for name, tables in _TABLES.items():
        if name in info and _touches(session, tables):
            del info[name]


def _statement(state: ORMExecuteState) -> None:
    if state.is_select:
        return
    info = state.session.info
    table = getattr(state.statement, "table", None)
    for name, tables in _TABLES.items():
        if name in info and table in tables:
            del info[name]
