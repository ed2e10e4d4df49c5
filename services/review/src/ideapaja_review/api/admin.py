"""HTTP routes for operating review: routing rules per department, the change-agent network
and workloads, and running the deadline sweep by hand."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query, Response
from sqlalchemy import select

from ideapaja_review.api.deps import (
    NOT_FOUND,
    PathId,
    ReviewRuntime,
    ReviewUow,
)
from ideapaja_review.authz import POLICY
from ideapaja_review.db import network, rules_store
from ideapaja_review.db.models import RoutingRuleRow
from ideapaja_review.domain.rules import RoutingRule, rule_for
from ideapaja_review.schemas.admin import (
    AssignmentRequest,
    EffectiveRule,
    NetworkMemberPublic,
    NetworkPublic,
    ReviewerWorkload,
    RoutingRuleBody,
    RuleList,
    RulePublic,
    SweepResult,
    WorkloadPublic,
)
from ideapaja_review.usecases import administration, escalation
from ideapaja_runtime.routes import service_router

router = service_router(tags=["administration"])


def _view(
    department_id: str,
    row: RoutingRuleRow | None,
    stored: dict[str, dict[str, Any]],
    base: RoutingRule,
) -> RulePublic:
    return RulePublic(
        department_id=department_id,
        stored=dict(row.rule) if row is not None else None,
        effective=EffectiveRule.of(rule_for(department_id, stored, base)),
        updated_at=row.updated_at if row is not None else None,
        updated_by=row.updated_by if row is not None else None,
    )


@router.get(
    "/routing-rules",
    summary="Routing rules: the built-in rule and every stored rule with its effect",
    response_model=RuleList,
    **POLICY.route("rules.read"),
)
async def list_rules(uow: ReviewUow) -> RuleList:
    base = uow.settings.builtin_rule()
    session = uow.session
    rows = (await session.scalars(select(RoutingRuleRow))).all()
    stored = {row.department_id: dict(row.rule) for row in rows}
    return RuleList(
        builtin=EffectiveRule.of(base),
        rules=[_view(row.department_id, row, stored, base) for row in rows],
    )


@router.get(
    "/routing-rules/{department_id}",
    summary="The rule in force for a department's ideas (or the city-wide 'default')",
    response_model=RulePublic,
    **POLICY.route("rules.read"),
)
async def read_rule(
    department_id: PathId,
    uow: ReviewUow,
) -> RulePublic:
    base = uow.settings.builtin_rule()
    session = uow.session
    stored = await rules_store.stored_rules(session)
    row = await session.get(RoutingRuleRow, department_id)
    return _view(department_id, row, stored, base)


@router.put(
    "/routing-rules/{department_id}",
    summary="Store a department's routing rule (only what differs); 'default' for the city",
    response_model=RulePublic,
    **POLICY.route("rules.write"),
)
async def save_rule(department_id: PathId, body: RoutingRuleBody, uow: ReviewUow) -> RulePublic:
    row = await administration.save_rule(
        uow, department_id, body.overrides(), committee_id=body.committee_id
    )
    stored = await rules_store.stored_rules(uow.session)
    return _view(department_id, row, stored, uow.settings.builtin_rule())


@router.delete(
    "/routing-rules/{department_id}",
    summary="Remove a department's stored rule (the default applies again)",
    status_code=204,
    responses=NOT_FOUND,
    **POLICY.route("rules.write"),
)
async def delete_rule(department_id: PathId, uow: ReviewUow) -> Response:
    await administration.delete_rule(uow, department_id)
    return Response(status_code=204)


@router.get(
    "/change-agents",
    summary="The change-agent network: screeners per unit (HR's and assigned) and their workload",
    response_model=NetworkPublic,
    **POLICY.route("network.read"),
)
async def read_network(
    uow: ReviewUow,
    unit_id: Annotated[str | None, Query(pattern=r"^[A-Za-z0-9_-]{1,64}$")] = None,
) -> NetworkPublic:
    now = uow.now
    session = uow.session
    members = await network.network(session, now, unit_id=unit_id)
    uncovered = [] if unit_id else await network.units_without_reviewers(session, now)
    return NetworkPublic(
        members=[
            NetworkMemberPublic(
                person_id=m.person_id,
                unit_id=m.unit_id,
                roles=sorted(m.roles),
                sources=sorted(m.sources),
                workload=WorkloadPublic(
                    open_cases=m.workload.open_cases, overdue_cases=m.workload.overdue_cases
                ),
            )
            for m in members
        ],
        units_without_reviewers=uncovered,
    )


@router.post(
    "/change-agents",
    summary="Assign a change agent (or supervisor) to a unit, besides HR's roles",
    response_model=NetworkPublic,
    status_code=201,
    **POLICY.route("network.manage"),
)
async def assign_change_agent(body: AssignmentRequest, uow: ReviewUow) -> NetworkPublic:
    await administration.assign_reviewer(
        uow, unit_id=body.unit_id, person_id=body.person_id, role=body.role
    )
    return await read_network(uow, unit_id=body.unit_id)


@router.delete(
    "/change-agents/{unit_id}/{person_id}",
    summary="Remove an admin's assignment (HR's roles are HR's)",
    status_code=204,
    responses=NOT_FOUND,
    **POLICY.route("network.manage"),
)
async def unassign_change_agent(unit_id: PathId, person_id: PathId, uow: ReviewUow) -> Response:
    await administration.unassign_reviewer(uow, unit_id=unit_id, person_id=person_id)
    return Response(status_code=204)


@router.get(
    "/workload",
    summary="Open and overdue cases per reviewer, busiest first",
    response_model=list[ReviewerWorkload],
    **POLICY.route("workload.read"),
)
async def read_workload(uow: ReviewUow) -> list[ReviewerWorkload]:
    session = uow.session
    loads = await network.workloads(session, uow.now)
    ordered = sorted(loads.items(), key=lambda item: (-item[1].open_cases, item[0]))
    return [
        ReviewerWorkload(
            person_id=person_id,
            workload=WorkloadPublic(open_cases=w.open_cases, overdue_cases=w.overdue_cases),
        )
        for person_id, w in ordered
    ]


@router.post(
    "/deadlines/sweep",
    summary="Escalate every overdue step now (the periodic sweep does this on its own)",
    response_model=SweepResult,
    **POLICY.route("deadlines.sweep"),
)
async def run_sweep(runtime: ReviewRuntime) -> SweepResult:
    # Its own units of work, one per batch of overdue cases (escalation.sweep).
    escalated = await escalation.run_deadline_sweep(runtime)
    return SweepResult(escalated=len(escalated), case_ids=[e.case_id for e in escalated])
