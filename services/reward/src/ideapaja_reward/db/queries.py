"""Queries the use cases share."""

from __future__ import annotations

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ideapaja_reward.db.models import LedgerEntry


async def points_sum(session: AsyncSession, *where: ColumnElement[bool]) -> int:
    """The sum of the points of the ledger entries ``where`` selects (0 for none)."""
    total = await session.scalar(
        select(func.coalesce(func.sum(LedgerEntry.points), 0)).where(*where)
    )
    return int(total or 0)
