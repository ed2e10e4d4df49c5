"""Department reward budgets per year: HR (and admins) set each department's amount; they, the
committee, management and reward approvers see what pending and approved awards hold of it
(committed) and what is left."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.responses import RedirectResponse, Response

from ideapaja_portal.amounts import AMOUNT_MESSAGES, AmountError, parse_euros, plain
from ideapaja_portal.apis import ServiceError
from ideapaja_portal.web.award_views import refused
from ideapaja_portal.web.context import (
    CsrfProtected,
    Viewer,
    apis_of,
    city_today,
    render,
    texts_of,
    with_role,
)

router = APIRouter(include_in_schema=False)

BUDGET_READERS = ("hr", "admin", "committee_member", "management", "reward_approver")
SETTERS = ("hr", "admin")
BudgetReader = Annotated[Viewer, Depends(with_role(*BUDGET_READERS))]
BudgetSetter = Annotated[Viewer, Depends(with_role(*SETTERS))]
FIRST_YEAR, LAST_YEAR = 2000, 2100  # the reward service's range
Year = Annotated[int, Path(ge=FIRST_YEAR, le=LAST_YEAR, description="The budget year")]
DepartmentId = Annotated[
    str, Path(pattern=r"^[A-Za-z0-9_-]{1,64}$", description="The department's id")
]


async def _budgets_page(
    request: Request,
    viewer: Viewer,
    year: int,
    *,
    errors: dict[str, str] | None = None,
    typed: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    apis = apis_of(request)
    units, budgets = await asyncio.gather(
        apis.every_item("intake", "/units", token=viewer.token),
        apis.every_item("reward", "/budgets", token=viewer.token, params={"year": year}),
    )
    by_department = {budget["department_id"]: budget for budget in budgets}
    departments = [unit for unit in units if unit.get("kind") == "department"]
    known = {unit["id"] for unit in departments}
    # A budget for a department HR no longer lists still shows, by its id.
    departments += [{"id": d} for d in sorted(by_department) if d not in known]
    return render(
        request,
        "budgets.html",
        {
            "year": year,
            "departments": departments,
            "budgets": by_department,
            "sets": viewer.has_any(*SETTERS),
            "errors": errors or {},
            "typed": typed or {},
            "saved": request.query_params.get("saved", ""),
            "first_year": FIRST_YEAR,
            "last_year": LAST_YEAR,
        },
        status_code=status_code,
    )


@router.get("/budgets")
async def budgets(
    request: Request,
    viewer: BudgetReader,
    year: Annotated[
        int | None, Query(ge=FIRST_YEAR, le=LAST_YEAR, description="The budget year")
    ] = None,
) -> Response:
    return await _budgets_page(request, viewer, year or city_today(request).year)


@router.post("/budgets/{department_id}/{year}", dependencies=[CsrfProtected])
async def set_budget(
    request: Request,
    viewer: BudgetSetter,
    department_id: DepartmentId,
    year: Year,
    amount: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    """Set the department's budget for the year; back to the list, or what to fix beside it."""
    texts = texts_of(request)
    errors: dict[str, str] = {}
    status = 422
    try:
        euros = parse_euros(amount)
    except AmountError as exc:
        errors[department_id] = texts.gettext(AMOUNT_MESSAGES[exc.kind])
    else:
        try:
            await apis_of(request).call(
                "reward",
                "PUT",
                f"/budgets/{department_id}/{year}",
                token=viewer.token,
                json={"amount": plain(euros)},
            )
        except ServiceError as exc:
            errors = refused(texts, exc, department_id)
            status = exc.status
        else:
            return RedirectResponse(
                f"/budgets?year={year}&saved={department_id}#budget-{department_id}",
                status_code=303,
            )
    typed: dict[str, Any] = {department_id: amount}
    return await _budgets_page(
        request, viewer, year, errors=errors, typed=typed, status_code=status
    )
