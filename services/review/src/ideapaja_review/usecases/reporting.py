"""The management group's reports of review: the ideas funnel, time to decision and
experiments' outcomes, period by period (see ``domain/reporting.py`` for what each counts)."""

from __future__ import annotations

from datetime import date

from ideapaja_contracts.periods import CITY_TIME_ZONE, Period, PeriodKind
from ideapaja_review.db import reports
from ideapaja_review.domain import reporting
from ideapaja_review.domain.reporting import DecisionTimes, ExperimentFigures, FunnelFigures
from ideapaja_review.settings import ReviewWork


def _window(uow: ReviewWork, kind: PeriodKind, count: int, at: date | None) -> list[Period]:
    """The periods asked for: ``count`` of them, ending with the one of ``at`` (today in the
    city's time if not given)."""
    return reporting.window(kind, at or uow.now.astimezone(CITY_TIME_ZONE).date(), count)


async def funnel(
    uow: ReviewWork, kind: PeriodKind, count: int, at: date | None = None
) -> list[FunnelFigures]:
    periods = _window(uow, kind, count, at)
    return reporting.funnel(periods, await reports.funnel_cohorts(uow.session, periods))


async def decision_times(
    uow: ReviewWork, kind: PeriodKind, count: int, at: date | None = None
) -> list[DecisionTimes]:
    periods = _window(uow, kind, count, at)
    decisions = await reports.final_decisions(
        uow.session, periods[0].starts_at, periods[-1].ends_at
    )
    return reporting.decision_times(periods, decisions)


async def experiments(
    uow: ReviewWork, kind: PeriodKind, count: int, at: date | None = None
) -> list[ExperimentFigures]:
    periods = _window(uow, kind, count, at)
    start, end = periods[0].starts_at, periods[-1].ends_at
    started = await reports.experiments_started(uow.session, start, end)
    completed = await reports.experiments_completed(uow.session, start, end)
    return reporting.experiments(periods, started, completed)
