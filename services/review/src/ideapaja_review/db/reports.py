"""The rows behind the management group's reports (``domain/reporting.py`` puts them into
periods): one query per report over the whole window, on the service's own tables."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ideapaja_contracts.events.review import Decision
from ideapaja_review.db.models import CaseRow, ExperimentRow, ImplementationRow
from ideapaja_review.domain.reporting import IdeaProgress

FINAL = (Decision.ACCEPTED.value, Decision.REJECTED.value)


def _reached(condition: ColumnElement[bool]) -> ColumnElement[int]:
    """1 if any of an idea's cases (rounds) meets ``condition``."""
    return func.max(case((condition, 1), else_=0))


async def ideas_first_submitted(
    session: AsyncSession, start: datetime, end: datetime
) -> list[IdeaProgress]:
    """The ideas first submitted in [start, end), each once however many rounds (forwardings)
    it went through, with how far it has come."""
    first = func.min(CaseRow.opened_at)
    query = (
        select(
            first,
            _reached(CaseRow.decision.in_(FINAL)),
            _reached(CaseRow.decision == Decision.ACCEPTED.value),
            _reached(ImplementationRow.completed_at.is_not(None)),
        )
        .outerjoin(ImplementationRow, ImplementationRow.case_id == CaseRow.case_id)
        .group_by(CaseRow.idea_id)
        .having(first >= start, first < end)
    )
    return [
        IdeaProgress(submitted_at, bool(decided), bool(accepted), bool(implemented))
        for submitted_at, decided, accepted, implemented in await session.execute(query)
    ]


async def final_decisions(
    session: AsyncSession, start: datetime, end: datetime
) -> list[tuple[datetime, datetime]]:
    """(the idea's first submission, the decision) for every acceptance or rejection made in
    [start, end)."""
    first = (
        select(CaseRow.idea_id, func.min(CaseRow.opened_at).label("submitted_at"))
        .group_by(CaseRow.idea_id)
        .subquery()
    )
    query = (
        select(first.c.submitted_at, CaseRow.decided_at)
        .join(first, first.c.idea_id == CaseRow.idea_id)
        .where(
            CaseRow.decision.in_(FINAL),
            CaseRow.decided_at >= start,
            CaseRow.decided_at < end,
        )
    )
    return [(submitted_at, decided_at) for submitted_at, decided_at in await session.execute(query)]


async def experiments_started(
    session: AsyncSession, start: datetime, end: datetime
) -> list[datetime]:
    query = select(ExperimentRow.started_at).where(
        ExperimentRow.started_at >= start, ExperimentRow.started_at < end
    )
    return list(await session.scalars(query))


async def experiments_completed(
    session: AsyncSession, start: datetime, end: datetime
) -> list[tuple[datetime, str]]:
    query = select(ExperimentRow.completed_at, ExperimentRow.outcome).where(
        ExperimentRow.completed_at >= start,
        ExperimentRow.completed_at < end,
        ExperimentRow.outcome.is_not(None),
    )
    return [(at, outcome) for at, outcome in await session.execute(query) if at and outcome]
