"""HTTP API: committee and supervisor awards (propose, approve, reject, follow) and department
budgets. Routes only: the rules are in ``usecases/awards.py`` and ``domain/awards.py``."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Path, Query

from ideapaja_reward.api.deps import RewardUow
from ideapaja_reward.authz import POLICY
from ideapaja_reward.award_schemas import (
    ApprovalCreate,
    AwardCreate,
    AwardDetail,
    AwardPublic,
    BudgetPublic,
    BudgetUpdate,
    IdText,
    RejectionCreate,
)
from ideapaja_reward.domain.awards import AwardStatus, cents_of
from ideapaja_reward.usecases import award_reads, awards, budgets
from ideapaja_reward.usecases.awards import AwardInput
from ideapaja_runtime.deps import id_path
from ideapaja_runtime.pagination import Page, PageParams
from ideapaja_runtime.problems import PROBLEM_SCHEMA
from ideapaja_runtime.routes import service_router

router = service_router(tags=["awards"])

AwardId = Annotated[str, id_path("The award's id", examples=["a-3f2c9e0b1d4a5f6e7c8b9a0d"])]
DepartmentId = Annotated[str, id_path("The department's id, as HR knows it", examples=["u-sivi"])]
YEAR_RANGE = {"ge": 2000, "le": 2100}
BudgetYear = Annotated[int, Path(description="The budget year", **YEAR_RANGE)]
REFUSALS: dict[int | str, dict[str, Any]] = {
    403: PROBLEM_SCHEMA,
    404: PROBLEM_SCHEMA,
    409: PROBLEM_SCHEMA,
}
RULES = (
    "A refusal names the rule it breaks in `rule` (e.g. amount_positive, amount_maximum, "
    "currency, days, recipient_not_author, own_award, proposer_unit, approval_chain, no_budget, "
    "budget_exceeded; own_proposal, earlier_step, step_role, approval_limit, supervisor_unit, "
    "award_decided, award_changed)."
)


@router.post(
    "/awards",
    summary="Propose an award for an idea's authors",
    response_model=AwardDetail,
    status_code=201,
    responses=REFUSALS,
    **POLICY.route(
        "awards.propose",
        description="Money, gift card, extra days off or recognition. The amount decides the "
        "approval chain (every level from the lowest up to the first whose limit covers it). "
        "Money and gift cards hold that much of the idea's department's budget for the year "
        "until rejected. " + RULES,
    ),
)
async def propose_award(body: AwardCreate, uow: RewardUow) -> AwardDetail:
    given = AwardInput(
        idea_id=body.idea_id,
        kind=body.kind,
        amount=body.amount,
        currency=body.currency or uow.settings.award_currency,
        days=body.days,
        recipient_ids=body.recipient_ids,
        justification=body.justification,
    )
    award = await awards.propose(uow, given)
    return AwardDetail.with_trail(award, [], show_recipients=True)


@router.get(
    "/awards",
    summary="Awards, newest first",
    response_model=Page[AwardPublic],
    **POLICY.route(
        "awards.read",
        description="Supervisors see their own units' awards. An anonymous idea's recipients "
        "are shown only to its chain's roles, the proposer and HR.",
    ),
)
async def list_awards(
    uow: RewardUow,
    page: PageParams,
    status: Annotated[
        list[AwardStatus] | None,
        Query(description="Only awards in these statuses (repeat for several)", max_length=3),
    ] = None,
    idea_id: Annotated[
        IdText | None, Query(description="Only awards for this idea", max_length=64)
    ] = None,
    awaiting: Annotated[
        Literal["me"] | None,
        Query(description="`me`: only pending awards whose waiting step you may decide"),
    ] = None,
) -> Page[AwardPublic]:
    return await award_reads.list_awards(
        uow, page, status=status, idea_id=idea_id, awaiting_me=awaiting == "me"
    )


@router.get(
    "/awards/{award_id}",
    summary="An award with its approval trail",
    response_model=AwardDetail,
    responses=REFUSALS,
    **POLICY.route("awards.read"),
)
async def read_award(award_id: AwardId, uow: RewardUow) -> AwardDetail:
    return await award_reads.read_award(uow, award_id)


@router.post(
    "/awards/{award_id}/approval",
    summary="Approve the award's waiting step (the last one grants it)",
    response_model=AwardDetail,
    responses=REFUSALS,
    **POLICY.route(
        "awards.decide",
        description="Only someone holding the step's role (a supervisor: of the idea's unit), "
        "who neither proposed the award, receives it, nor approved an earlier step. The last "
        "step grants each recipient their share and announces it to payroll. " + RULES,
    ),
)
async def approve_award(award_id: AwardId, body: ApprovalCreate, uow: RewardUow) -> AwardDetail:
    await awards.approve(uow, award_id, body.reason)
    return await award_reads.read_award(uow, award_id)


@router.post(
    "/awards/{award_id}/rejection",
    summary="Reject the award at its waiting step (with a reason); it ends there",
    response_model=AwardDetail,
    responses=REFUSALS,
    **POLICY.route(
        "awards.decide",
        description="Who may approve the waiting step may reject it; what the award held of "
        "the budget is freed. " + RULES,
    ),
)
async def reject_award(award_id: AwardId, body: RejectionCreate, uow: RewardUow) -> AwardDetail:
    await awards.reject(uow, award_id, body.reason)
    return await award_reads.read_award(uow, award_id)


@router.put(
    "/budgets/{department_id}/{year}",
    summary="Set a department's award budget for a year",
    response_model=BudgetPublic,
    responses=REFUSALS,
    **POLICY.route(
        "budgets.set",
        description="Never below what pending and approved awards already hold "
        "(409, rule budget_below_committed).",
    ),
)
async def set_budget(
    department_id: DepartmentId, year: BudgetYear, body: BudgetUpdate, uow: RewardUow
) -> BudgetPublic:
    row = await budgets.set_budget(
        uow,
        department_id,
        year,
        cents_of(body.amount),
        body.currency or uow.settings.award_currency,
    )
    return BudgetPublic.of(row)


@router.get(
    "/budgets",
    summary="Department award budgets of a year: committed and left",
    response_model=Page[BudgetPublic],
    **POLICY.route("budgets.read"),
)
async def list_budgets(
    uow: RewardUow,
    page: PageParams,
    year: Annotated[int, Query(description="The budget year", **YEAR_RANGE)],
) -> Page[BudgetPublic]:
    return await budgets.budgets(uow, year, page)
