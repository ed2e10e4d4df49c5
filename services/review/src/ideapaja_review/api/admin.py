"""HTTP routes for operating review: routing rules per department, the change-agent network
and workloads, and running the deadline sweep by hand."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Response

from ideapaja_review.api.deps import (
    NOT_FOUND,
    DepartmentId,
    PersonId,
    ReviewRuntime,
    ReviewUow,
    UnitId,
)
from ideapaja_review.authz import POLICY
from ideapaja_review.schemas.admin import (
    AssignmentCreate,
    EffectiveRulePublic,
    NetworkMemberPublic,
    ReviewerWorkloadPublic,
    RoutingRuleUpdate,
    RulePublic,
    SweepPublic,
    UncoveredUnitPublic,
)
from ideapaja_review.usecases import administration, deadline_sweep
from ideapaja_runtime.pagination import Page, PageParams
from ideapaja_runtime.routes import service_router

router = service_router(tags=["administration"])


@router.get(
    "/routing-rules",
    summary="Every stored routing rule by department, with its effect",
    response_model=Page[RulePublic],
    **POLICY.route("rules.read"),
)
async def list_rules(uow: ReviewUow, page: PageParams) -> Page[RulePublic]:
    return await administration.stored_rules(uow, page, item=RulePublic.of)


@router.get(
    "/builtin-routing-rule",
    summary="The built-in routing rule (the service's configuration), below every stored rule",
    response_model=EffectiveRulePublic,
    **POLICY.route("rules.read"),
)
async def read_builtin_rule(uow: ReviewUow) -> EffectiveRulePublic:
    return EffectiveRulePublic.of(uow.settings.builtin_rule())


@router.get(
    "/routing-rules/{department_id}",
    summary="The rule in force for a department's ideas (or the city-wide 'default')",
    response_model=RulePublic,
    **POLICY.route("rules.read"),
)
async def read_rule(department_id: DepartmentId, uow: ReviewUow) -> RulePublic:
    return RulePublic.of(await administration.rule_in_force(uow, department_id))


@router.put(
    "/routing-rules/{department_id}",
    summary="Store a department's routing rule (only what differs); 'default' for the city",
    response_model=RulePublic,
    **POLICY.route("rules.write"),
)
async def save_rule(
    department_id: DepartmentId, body: RoutingRuleUpdate, uow: ReviewUow
) -> RulePublic:
    await administration.save_rule(
        uow, department_id, body.overrides(), committee_id=body.committee_id
    )
    return RulePublic.of(await administration.rule_in_force(uow, department_id))


@router.delete(
    "/routing-rules/{department_id}",
    summary="Remove a department's stored rule (the default applies again)",
    status_code=204,
    responses=NOT_FOUND,
    **POLICY.route("rules.write"),
)
async def delete_rule(department_id: DepartmentId, uow: ReviewUow) -> Response:
    await administration.delete_rule(uow, department_id)
    return Response(status_code=204)


@router.get(
    "/change-agents",
    summary="The change-agent network: screeners per unit (HR's and assigned) and their "
    "workload, by unit and person",
    response_model=Page[NetworkMemberPublic],
    **POLICY.route("network.read"),
)
async def read_network(
    uow: ReviewUow,
    page: PageParams,
    unit_id: Annotated[
        str | None,
        Query(pattern=r"^[A-Za-z0-9_-]{1,64}$", description="Only this unit's screeners"),
    ] = None,
) -> Page[NetworkMemberPublic]:
    return await administration.network_members(
        uow, page, item=NetworkMemberPublic.of, unit_id=unit_id
    )


@router.get(
    "/units-without-reviewers",
    summary="Units nobody screens in, by id: their ideas go to the department's reviewers",
    response_model=Page[UncoveredUnitPublic],
    **POLICY.route("network.read"),
)
async def read_uncovered_units(uow: ReviewUow, page: PageParams) -> Page[UncoveredUnitPublic]:
    return await administration.units_without_reviewers(
        uow, page, item=lambda unit_id: UncoveredUnitPublic(id=unit_id)
    )


@router.post(
    "/change-agents",
    summary="Assign a change agent (or supervisor) to a unit, besides HR's roles",
    response_model=NetworkMemberPublic,
    status_code=201,
    **POLICY.route("network.manage"),
)
async def assign_change_agent(body: AssignmentCreate, uow: ReviewUow) -> NetworkMemberPublic:
    await administration.assign_reviewer(
        uow, unit_id=body.unit_id, person_id=body.person_id, role=body.role
    )
    member = await administration.network_member(
        uow, unit_id=body.unit_id, person_id=body.person_id
    )
    return NetworkMemberPublic.of(member)


@router.delete(
    "/change-agents/{unit_id}/{person_id}",
    summary="Remove an admin's assignment (HR's roles are HR's)",
    status_code=204,
    responses=NOT_FOUND,
    **POLICY.route("network.manage"),
)
async def unassign_change_agent(unit_id: UnitId, person_id: PersonId, uow: ReviewUow) -> Response:
    await administration.unassign_reviewer(uow, unit_id=unit_id, person_id=person_id)
    return Response(status_code=204)


@router.get(
    "/workload",
    summary="Open and overdue cases per reviewer, busiest first",
    response_model=Page[ReviewerWorkloadPublic],
    **POLICY.route("workload.read"),
)
async def read_workload(uow: ReviewUow, page: PageParams) -> Page[ReviewerWorkloadPublic]:
    return await administration.workloads(uow, page, item=ReviewerWorkloadPublic.of)


@router.post(
    "/deadlines/sweep",
    summary="Run the deadline sweep now: escalate overdue steps, remind of near deadlines",
    response_model=SweepPublic,
    **POLICY.route("deadlines.sweep"),
)
async def run_sweep(runtime: ReviewRuntime) -> SweepPublic:
    # Its own units of work, one per batch of cases (escalation.sweep, deadline_warnings.sweep).
    swept = await deadline_sweep.run_deadline_sweep(runtime)
    return SweepPublic(
        escalated=len(swept.escalated),
        case_ids=[e.case_id for e in swept.escalated],
        reminded=len(swept.reminded),
        reminded_case_ids=[e.case_id for e in swept.reminded],
    )
