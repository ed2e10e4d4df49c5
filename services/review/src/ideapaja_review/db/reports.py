"""The rows behind the management group's reports (``domain/reporting.py`` puts them into
periods; the funnel is counted per period here): one query per report over the whole window,
on the service's own tables."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import BindParameter, ColumnElement, Select, bindparam, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from ideapaja_contracts.events.review import Decision
from ideapaja_contracts.periods import Period
from ideapaja_review.db.models import CaseRow, ExperimentRow, ImplementationRow

FINAL = (Decision.ACCEPTED.value, Decision.REJECTED.value)


def _reached(condition: ColumnElement[bool]) -> ColumnElement[int]:
    """1 if any of an idea's cases (rounds) meets ``condition``."""
    return func.max(case((condition, 1), else_=0))


def _bound(name: str) -> BindParameter[datetime]:
    return bindparam(name, type_=CaseRow.opened_at.type)


def _index_of(moment: ColumnElement[datetime], first: int, last: int) -> ColumnElement[int]:
    """The index of the period ``moment`` is in, among periods ``first..last`` (consecutive,
    half-open, ending at the parameters ``end_<index>``; ``moment`` known to be within the
    window), by halves: a year of months is five comparisons a row at most, where asking each
    period in turn took up to twelve (10,000 ideas of the current month: the funnel's statement
    23 ms → 15 ms on SQLite). Every branch ends in a CASE, never a bare number (``GROUP BY 0``
    would name a column)."""
    if first == last:
        return case((moment < _bound(f"end_{last}"), first), else_=last + 1)
    middle = (first + last) // 2
    return case(
        (moment < _bound(f"end_{middle}"), _index_of(moment, first, middle)),
        else_=_index_of(moment, middle + 1, last),
    )


@cache
def _funnel_statement(count: int) -> Select[int, int, Any, Any, Any]:
    """The funnel of ``count`` periods, their bounds as parameters: built once (building and
    keying it took a quarter of the request's time)."""
    first = func.min(CaseRow.opened_at)
    ideas = (
        select(
            first.label("first"),
            _reached(CaseRow.decision.in_(FINAL)).label("decided"),
            _reached(CaseRow.decision == Decision.ACCEPTED.value).label("accepted"),
            _reached(ImplementationRow.completed_at.is_not(None)).label("implemented"),
        )
        .outerjoin(ImplementationRow, ImplementationRow.case_id == CaseRow.case_id)
        .group_by(CaseRow.idea_id)
        .having(first >= _bound("start"), first < _bound(f"end_{count - 1}"))
        .subquery()
    )
    # The periods are consecutive and half-open: an idea is in the first one it starts before
    # the end of (the window's bounds were checked above), found by halves.
    period = _index_of(ideas.c.first, 0, count - 1)
    return select(
        period,
        func.count(),
        func.sum(ideas.c.decided),
        func.sum(ideas.c.accepted),
        func.sum(ideas.c.implemented),
    ).group_by(period)


async def funnel_cohorts(
    session: AsyncSession, periods: Sequence[Period]
) -> dict[int, tuple[int, int, int, int]]:
    """Each period's cohort (by its index in ``periods``): the ideas first submitted in it, each
    once however many rounds (forwardings) it went through, and how many of them have been
    decided, accepted, implemented. Counted in the database, one row per period: a city's
    window holds tens of thousands of ideas, and reading them one by one cost the dashboard a
    second."""
    bounds = {f"end_{n}": period.ends_at for n, period in enumerate(periods)}
    bounds["start"] = periods[0].starts_at
    rows = await session.execute(_funnel_statement(len(periods)), bounds)
    return {
        int(index): (int(submitted), int(decided), int(accepted), int(implemented))
        for index, submitted, decided, accepted, implemented in rows
    }


def _final_decisions() -> Select[datetime, datetime | None]:
    earlier = aliased(CaseRow)
    first = (
        select(func.min(earlier.opened_at))
        .where(earlier.idea_id == CaseRow.idea_id)
        .scalar_subquery()
    )
    return select(first, CaseRow.decided_at).where(
        CaseRow.decision.in_(FINAL),
        CaseRow.decided_at >= _bound("start"),
        CaseRow.decided_at < _bound("end"),
    )


# The window's bounds are parameters: each statement is built once.
_FINAL_DECISIONS = _final_decisions()
_EXPERIMENTS_STARTED = select(ExperimentRow.started_at).where(
    ExperimentRow.started_at >= _bound("start"), ExperimentRow.started_at < _bound("end")
)
_EXPERIMENTS_COMPLETED = select(ExperimentRow.completed_at, ExperimentRow.outcome).where(
    ExperimentRow.completed_at >= _bound("start"),
    ExperimentRow.completed_at < _bound("end"),
    ExperimentRow.outcome.is_not(None),
)


async def final_decisions(
    session: AsyncSession, start: datetime, end: datetime
) -> list[tuple[datetime, datetime]]:
    """(the idea's first submission, the decision) for every acceptance or rejection made in
    [start, end): the first submission looked up for these ideas only (by the idea's rounds
    index), not for every idea there is."""
    rows = await session.execute(_FINAL_DECISIONS, {"start": start, "end": end})
    return [(submitted, decided) for submitted, decided in rows if decided is not None]


async def experiments_started(
    session: AsyncSession, start: datetime, end: datetime
) -> list[datetime]:
    return list(await session.scalars(_EXPERIMENTS_STARTED, {"start": start, "end": end}))


async def experiments_completed(
    session: AsyncSession, start: datetime, end: datetime
) -> list[tuple[datetime, str]]:
    rows = await session.execute(_EXPERIMENTS_COMPLETED, {"start": start, "end": end})
    return [(at, outcome) for at, outcome in rows if at and outcome]
