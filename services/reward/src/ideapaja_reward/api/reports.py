"""HTTP API: HR's reports of the grants of a period (CSV, and totals)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query
from fastapi.responses import StreamingResponse

from ideapaja_reward.api.deps import RewardUow
from ideapaja_reward.authz import POLICY
from ideapaja_reward.award_schemas import GrantTotalsPublic
from ideapaja_reward.usecases import grant_reports
from ideapaja_runtime.clock import IsoDate
from ideapaja_runtime.csv_export import csv_lines
from ideapaja_runtime.routes import service_router

router = service_router(prefix="/grants", tags=["rewards"])

From = Annotated[
    IsoDate, Query(alias="from", description="The first day of the period (the city's time)")
]
To = Annotated[
    IsoDate,
    Query(alias="to", description="The last day of the period, inclusive (at most a year on)"),
]


@router.get(
    "/report.csv",
    response_class=StreamingResponse,
    summary="The grants of a period as CSV, oldest first",
    responses={200: {"content": {"text/csv": {}}}},
    **POLICY.route(
        "grants.report",
        description="One row per grant: id, time, payroll period, person, kind, amount, "
        "currency, points, days, taxable, unit, department, idea, approval trail, reason. Cells "
        "a spreadsheet would run as formulas are prefixed with ', and cells holding , ; or a "
        "tab are quoted.",
    ),
)
async def grants_csv(uow: RewardUow, start: From, end: To) -> StreamingResponse:
    rows = await grant_reports.report_rows(uow, start, end)
    return StreamingResponse(
        csv_lines(grant_reports.COLUMNS, (row.cells() for row in rows)),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="grants-{start}-{end}.csv"',
        },
    )


@router.get(
    "/totals",
    summary="The grants of a period summed per unit, department and kind",
    response_model=GrantTotalsPublic,
    **POLICY.route("grants.totals"),
)
async def grant_totals(uow: RewardUow, start: From, end: To) -> GrantTotalsPublic:
    return await grant_reports.totals(uow, start, end)
