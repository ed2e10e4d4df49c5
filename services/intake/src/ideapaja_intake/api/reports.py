"""Exports for the reporting roles."""

from __future__ import annotations

from fastapi.responses import StreamingResponse

from ideapaja_intake.api.deps import IntakeUow, ListFilters
from ideapaja_intake.authz import POLICY
from ideapaja_intake.domain.export import COLUMNS, cells
from ideapaja_intake.domain.visibility import REPORTING_ROLES
from ideapaja_intake.usecases import ideas
from ideapaja_runtime.csv_export import CSV_RESPONSES, NEUTRALISED, csv_response
from ideapaja_runtime.routes import service_router

router = service_router(prefix="/reports", tags=["reports"])


@router.get(
    "/ideas.csv",
    response_class=StreamingResponse,
    summary="Export ideas as CSV for reporting",
    **POLICY.route(
        "reports.export",
        description="For "
        + ", ".join(REPORTING_ROLES)
        + ". One row per idea with the same filters as the lists; anonymous ideas have no authors "
        "in the file. " + NEUTRALISED,
    ),
    responses=CSV_RESPONSES,
)
async def export_ideas(uow: IntakeUow, filters: ListFilters) -> StreamingResponse:
    rows = await ideas.export_rows(uow, filters)
    return csv_response("ideas.csv", COLUMNS, map(cells, rows))
