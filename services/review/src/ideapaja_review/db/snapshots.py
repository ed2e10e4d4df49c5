"""Reads kept for one transaction, until that transaction writes one of the tables they read.

Routing reads the whole org and the stored rules for every case it opens, and a consumer's batch
opens up to 50 cases in one transaction, in which these change only if that transaction writes
them. So each such read is kept in the session (one transaction) under its name, and dropped as
soon as anything in the session writes one of its tables: an ORM change (pending or flushed) or
a DML statement.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import Any, TypeVar

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import ORMExecuteState, Session

T = TypeVar("T")

# A snapshot's name -> the tables whose writes drop it.
_TABLES: dict[str, frozenset[Any]] = {}


def kept_until_written(name: str, tables: Iterable[Any]) -> str:
    """Declare the snapshot ``name`` (at import), dropped by writes to ``tables``."""
    _TABLES[name] = frozenset(tables)
    return name


def _touches(session: Session, tables: frozenset[Any]) -> bool:
    changed = (*session.new, *session.dirty, *session.deleted)
    return any(getattr(obj, "__table__", None) in tables for obj in changed)


@event.listens_for(Session, "after_flush")
def _flushed(session: Session, _flush_context: object) -> None:
    info = session.info
    for name, tables in _TABLES.items():
        if name in info and _touches(session, tables):
            del info[name]


@event.listens_for(Session, "do_orm_execute")
def _statement(state: ORMExecuteState) -> None:
    if state.is_select:
        return
    info = state.session.info
    table = getattr(state.statement, "table", None)
    for name, tables in _TABLES.items():
        if name in info and table in tables:
            del info[name]


async def snapshot(
    session: AsyncSession, name: str, read: Callable[[AsyncSession], Awaitable[T]]
) -> T:
    """The transaction's kept ``name`` read, or ``read``'s answer, kept. Callers copy what they
    may change."""
    info = session.info
    kept: T | None = info.get(name)
    if kept is None or _touches(session.sync_session, _TABLES[name]):
        kept = await read(session)
        info[name] = kept
    return kept
