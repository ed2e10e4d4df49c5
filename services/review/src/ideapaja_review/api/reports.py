"""HTTP API: the management group's reports of review (the portal's dashboard charts them):
the ideas funnel, time to decision, experiments and their outcomes, period by period."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query

from ideapaja_contracts.periods import PeriodKind
from ideapaja_review.api.deps import ReviewUow
from ideapaja_review.authz import POLICY
from ideapaja_review.schemas.reports import (
    DecisionTimesPeriodPublic,
    DecisionTimesReportPublic,
    ExperimentsPeriodPublic,
    ExperimentsReportPublic,
    FunnelPeriodPublic,
    FunnelReportPublic,
)
from ideapaja_review.usecases import reporting
from ideapaja_review.usecases.reporting import ReportWindow
from ideapaja_runtime.clock import IsoDate
from ideapaja_runtime.routes import service_router

router = service_router(prefix="/reports", tags=["reports"])


def report_window(
    period: Annotated[
        PeriodKind, Query(description="month, quarter or year (calendar, Europe/Helsinki)")
    ] = PeriodKind.MONTH,
    periods: Annotated[
        int,
        Query(ge=1, le=36, description="How many periods, ending with the one containing `at`"),
    ] = 12,
    at: Annotated[
        IsoDate | None,
        Query(
            description="A day in the last period wanted (YYYY-MM-DD); today in Helsinki if "
            "left out"
        ),
    ] = None,
) -> ReportWindow:
    """Every report's query: which periods it covers."""
    return ReportWindow(period, periods, at)


Window = Annotated[ReportWindow, Depends(report_window)]


@router.get(
    "/funnel",
    summary="The ideas funnel: each period's submitted ideas, and how many of them have been "
    "decided, accepted and implemented by now",
    response_model=FunnelReportPublic,
    **POLICY.route("reports.read"),
)
async def read_funnel(uow: ReviewUow, window: Window) -> FunnelReportPublic:
    found = await reporting.funnel(uow, window)
    return FunnelReportPublic(
        period_kind=window.kind.value, periods=[FunnelPeriodPublic.of(f) for f in found]
    )


@router.get(
    "/decision-times",
    summary="Days from an idea's submission to its acceptance or rejection: median and 90th "
    "percentile of the decisions of each period",
    response_model=DecisionTimesReportPublic,
    **POLICY.route("reports.read"),
)
async def read_decision_times(uow: ReviewUow, window: Window) -> DecisionTimesReportPublic:
    found = await reporting.decision_times(uow, window)
    return DecisionTimesReportPublic(
        period_kind=window.kind.value, periods=[DecisionTimesPeriodPublic.of(t) for t in found]
    )


@router.get(
    "/experiments",
    summary="Experiments started in each period, and those completed by outcome "
    "(scale, adjust, stop)",
    response_model=ExperimentsReportPublic,
    **POLICY.route("reports.read"),
)
async def read_experiments(uow: ReviewUow, window: Window) -> ExperimentsReportPublic:
    found = await reporting.experiments(uow, window)
    return ExperimentsReportPublic(
        period_kind=window.kind.value, periods=[ExperimentsPeriodPublic.of(e) for e in found]
    )
