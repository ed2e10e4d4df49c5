"""HTTP API: units' activity per headcount for the management dashboard, as JSON and CSV, and
a time series for a chart."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query
from fastapi.responses import StreamingResponse

from ideapaja_contracts.base import ID_PATTERN
from ideapaja_contracts.periods import PeriodKind
from ideapaja_reward.api.deps import RewardUow
from ideapaja_reward.authz import POLICY
from ideapaja_reward.domain.activity import Level
from ideapaja_reward.schemas_activity import (
    CSV_COLUMNS,
    ActivityPublic,
    ActivitySeriesPublic,
    csv_row,
)
from ideapaja_reward.usecases import activity
from ideapaja_runtime.clock import IsoDate
from ideapaja_runtime.csv_export import CSV_RESPONSES, NEUTRALISED, csv_response
from ideapaja_runtime.pagination import PageParams
from ideapaja_runtime.routes import service_router

router = service_router(tags=["activity"])

HOW = (
    "Per unit: distinct authors and ideas submitted in the period (by submission time, in the "
    "idea's unit), ideas accepted and implemented in it (by when that happened), points "
    "credited in it (by the ledger entry's time and unit), and per 100 employees. Periods are "
    "calendar months, quarters and years in Europe/Helsinki. A unit's headcount is HR's at the "
    "period's end (now, for the current period); HR's memberships exist only from the first HR "
    "import on, so earlier periods have headcount 0 and per-100 figures null. A department's "
    "row counts itself and every unit below it, the city's every unit; an author is counted "
    "once per row however many of its units they wrote for. Anonymous authors are counted, "
    "never listed. Each row carries the previous period's figures and the change."
)

PeriodQuery = Annotated[
    PeriodKind, Query(description="month, quarter or year (calendar, Europe/Helsinki)")
]
AtQuery = Annotated[
    IsoDate | None,
    Query(description="A day in the period wanted (YYYY-MM-DD); today in Helsinki if left out"),
]
LevelQuery = Annotated[
    Level,
    Query(
        description="unit: each unit's own figures; department: with every unit below it; "
        "city: one row for the whole city"
    ),
]
UnitQuery = Annotated[
    str | None,
    Query(
        pattern=ID_PATTERN,
        max_length=64,
        description="Only this unit and the units below it (supervisors: one of theirs)",
    ),
]


@router.get(
    "/activity",
    summary="Units' activity per headcount in a period, with the previous period's",
    response_model=ActivityPublic,
    **POLICY.route("activity.read", description=HOW),
)
async def read_activity(
    uow: RewardUow,
    page: PageParams,
    period: PeriodQuery = PeriodKind.MONTH,
    at: AtQuery = None,
    level: LevelQuery = Level.UNIT,
    unit_id: UnitQuery = None,
) -> ActivityPublic:
    return await activity.report_page(uow, period, page, at=at, level=level, unit_id=unit_id)


@router.get(
    "/activity.csv",
    response_class=StreamingResponse,
    summary="Units' activity per headcount in a period, as CSV",
    **POLICY.route(
        "activity.read",
        description=HOW + " The same rows as GET /activity, every one in one file. " + NEUTRALISED,
    ),
    responses=CSV_RESPONSES,
)
async def export_activity(
    uow: RewardUow,
    period: PeriodQuery = PeriodKind.MONTH,
    at: AtQuery = None,
    level: LevelQuery = Level.UNIT,
    unit_id: UnitQuery = None,
) -> StreamingResponse:
    found = await activity.report(uow, period, at=at, level=level, unit_id=unit_id)
    lines = [csv_row(found.period, row) for row in found.rows]
    return csv_response(
        f"activity-{found.level.value}-{found.period.label}.csv", CSV_COLUMNS, lines
    )


@router.get(
    "/activity/series",
    summary="A unit's (or the city's) activity period by period, for a chart",
    response_model=ActivitySeriesPublic,
    **POLICY.route("activity.read", description=HOW),
)
async def activity_series(
    uow: RewardUow,
    period: PeriodQuery = PeriodKind.MONTH,
    periods: Annotated[
        int,
        Query(ge=1, le=36, description="How many periods, ending with the one containing `at`"),
    ] = 12,
    at: AtQuery = None,
    unit_id: Annotated[
        str | None,
        Query(
            pattern=ID_PATTERN,
            max_length=64,
            description="The unit, with every unit below it; the whole city if left out "
            "(supervisors must name one of their units)",
        ),
    ] = None,
) -> ActivitySeriesPublic:
    return await activity.series(uow, period, periods, at=at, unit_id=unit_id)
