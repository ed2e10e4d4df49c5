"""Dialect helpers for the intake tables: the INSERT that can upsert, plain deletes."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete
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


async def delete_where(session: AsyncSession, model: Any, *conditions: Any) -> None:
    await session.execute(delete(model).where(*conditions))
