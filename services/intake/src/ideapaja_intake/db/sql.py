"""Helpers for the intake tables: the INSERT that can upsert, plain deletes, ordered reads."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Text, cast, delete, func, literal, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session


def dialect_of(session: AsyncSession | Session) -> str:
    return session.get_bind().dialect.name


def insert_for(dialect: str) -> Any:
    """The dialect's INSERT construct (it has ``on_conflict_do_update``)."""
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


def dialect_insert(session: AsyncSession | Session) -> Any:
    return insert_for(dialect_of(session))


async def rows_where(session: AsyncSession, where: Any, *order_by: Any) -> Sequence[Any]:
    """The rows of the first ``order_by`` column's table that match ``where``, in that order."""
    model = order_by[0].class_
    return (await session.scalars(select(model).where(where).order_by(*order_by))).all()


async def delete_where(session: AsyncSession, model: Any, *conditions: Any) -> None:
    await session.execute(delete(model).where(*conditions))


def blob_contains(session: AsyncSession, column: Any, needle: str) -> ColumnElement[bool]:
    """Candidates whose bytes contain ``needle`` (confirmed in Python: LIKE is case-blind on
    SQLite)."""
    if dialect_of(session) == "postgresql":
        as_text: ColumnElement[str] = func.encode(column, literal("escape"), type_=Text)
    else:
        as_text = cast(column, Text)
    return as_text.contains(needle, autoescape=True)


def rowcount(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)
