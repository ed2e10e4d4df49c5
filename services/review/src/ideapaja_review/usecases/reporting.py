"""The management group's reports of review: the ideas funnel, time to decision and
experiments' outcomes, period by period (see ``domain/reporting.py`` for what each counts)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ideapaja_contracts.periods import CITY_TIME_ZONE, Period, PeriodKind
from ideapaja_review.db import reports
from ideapaja_review.domain import reporting
from ideapaja_review.domain.reporting import DecisionTimes, ExperimentFigures, FunnelFigures
from ideapaja_review.settings import ReviewWork


@dataclass(frozen=True)
class ReportWindow:
    """The periods a report covers: ``count`` periods of ``kind``, ending with the one of
    ``at`` (today in the city's time if not given)."""

    kind: PeriodKind
    count: int
    at: date | None = None


def _periods(uow: ReviewWork, window: ReportWindow) -> list[Period]:
    at = window.at or uow.now.astimezone(CITY_TIME_ZONE).date()
    return reporting.window(window.kind, at, window.count)


async def funnel(uow: ReviewWork, window: ReportWindow) -> list[FunnelFigures]:
    periods = _periods(uow, window)
    return reporting.funnel(periods, await reports.funnel_cohorts(uow.session, periods))


async def decision_times(uow: ReviewWork, window: ReportWindow) -> list[DecisionTimes]:
    periods = _periods(uow, window)
    decisions = await reports.final_decisions(
        uow.session, periods[0].starts_at, periods[-1].ends_at
    )
    return reporting.decision_times(periods, decisions)


async def experiments(uow: ReviewWork, window: ReportWindow) -> list[ExperimentFigures]:
    periods = _periods(uow, window)
    start, end = periods[0].starts_at, periods[-1].ends_at
    started = await reports.experiments_started(uow.session, start, end)
    completed = await reports.experiments_completed(uow.session, start, end)
    return reporting.experiments(periods, started, completed)
