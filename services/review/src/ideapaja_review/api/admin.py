"""HTTP routes for operating review: routing rules per department, the change-agent network
and workloads, and running the deadline sweep by hand."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from sqlalchemy import select

from ideapaja_contracts.events.hr import UnitKind
from ideapaja_contracts.events.review import CaseEscalated
from ideapaja_review import cases as case_ops
from ideapaja_review import escalation, network, org, rules_store
from ideapaja_review.api.common import (
    NOT_FOUND,
    PathId,
    now_of,
    settings_of,
    unit_of_work,
)
from ideapaja_review.authz import POLICY
from ideapaja_review.db.models import CommitteeRow, RoutingRuleRow
from ideapaja_review.domain.rules import DEFAULT_RULE_ID, RoutingRule, rule_for
from ideapaja_review.schemas.admin import (
    AssignmentRequest,
    EffectiveRule,
    NetworkMemberView,
    NetworkView,
    ReviewerWorkload,
    RoutingRuleBody,
    RuleList,
    RuleView,
    SweepResult,
    WorkloadView,
)
from ideapaja_review.timeutil import as_utc
from ideapaja_runtime.auth import Principal
from ideapaja_runtime.deps import RuntimeDep, TraceparentDep
from ideapaja_runtime.problems import Problem
from ideapaja_runtime.service import Runtime

router = APIRouter(tags=["administration"])


def _view(
    department_id: str,
    row: RoutingRuleRow | None,
    stored: dict[str, dict[str, Any]],
    base: RoutingRule,
) -> RuleView:
    return RuleView(
        department_id=department_id,
        stored=dict(row.rule) if row is not None else None,
        effective=EffectiveRule.of(rule_for(department_id, stored, base)),
        updated_at=as_utc(row.updated_at) if row is not None else None,
        updated_by=row.updated_by if row is not None else None,
    )


@router.get(
    "/routing-rules",
    summary="Routing rules: the built-in rule and every stored rule with its effect",
    response_model=RuleList,
    **POLICY.route("rules.read"),
)
async def list_rules(
    runtime: RuntimeDep, principal: Annotated[Principal, POLICY.require("rules.read")]
) -> RuleList:
    base = settings_of(runtime).builtin_rule()
    async with runtime.db.transaction() as session:
        rows = (await session.scalars(select(RoutingRuleRow))).all()
    stored = {row.department_id: dict(row.rule) for row in rows}
    return RuleList(
        builtin=EffectiveRule.of(base),
        rules=[_view(row.department_id, row, stored, base) for row in rows],
    )


@router.get(
    "/routing-rules/{department_id}",
    summary="The rule in force for a department's ideas (or the city-wide 'default')",
    response_model=RuleView,
    **POLICY.route("rules.read"),
)
async def read_rule(
    department_id: PathId,
    runtime: RuntimeDep,
    principal: Annotated[Principal, POLICY.require("rules.read")],
) -> RuleView:
    base = settings_of(runtime).builtin_rule()
    async with runtime.db.transaction() as session:
        stored = await rules_store.stored_rules(session)
        row = await session.get(RoutingRuleRow, department_id)
    return _view(department_id, row, stored, base)


@router.put(
    "/routing-rules/{department_id}",
    summary="Store a department's routing rule (only what differs); 'default' for the city",
    response_model=RuleView,
    **POLICY.route("rules.write"),
)
async def save_rule(
    department_id: PathId,
    body: RoutingRuleBody,
    runtime: RuntimeDep,
    traceparent: TraceparentDep,
    principal: Annotated[Principal, POLICY.require("rules.write")],
) -> RuleView:
    async with unit_of_work(runtime, traceparent) as (session, env):
        if department_id != DEFAULT_RULE_ID and (
            await org.unit_kind(session, department_id) is not UnitKind.DEPARTMENT
        ):
            raise _invalid("department_id", f"{department_id} is not a department known from HR.")
        if body.committee_id is not None and (
            await session.get(CommitteeRow, body.committee_id) is None
        ):
            raise _invalid("committee_id", f"No committee {body.committee_id}.")
        row = await rules_store.save_rule(
            session, department_id, body.overrides(), actor_id=principal.person_id, now=env.now
        )
        # Units whose ideas found nobody may have reviewers under the new rule.
        await case_ops.route_unrouted(session, env)
        stored = await rules_store.stored_rules(session)
    return _view(department_id, row, stored, env.base_rule)


@router.delete(
    "/routing-rules/{department_id}",
    summary="Remove a department's stored rule (the default applies again)",
    status_code=204,
    responses=NOT_FOUND,
    **POLICY.route("rules.write"),
)
async def delete_rule(
    department_id: PathId,
    runtime: RuntimeDep,
    principal: Annotated[Principal, POLICY.require("rules.write")],
) -> Response:
    async with runtime.db.transaction() as session:
        deleted = await rules_store.delete_rule(
            session, department_id, actor_id=principal.person_id, now=now_of(runtime)
        )
    if not deleted:
        raise Problem(404, "Rule not found", f"No stored rule for {department_id}.")
    return Response(status_code=204)


@router.get(
    "/change-agents",
    summary="The change-agent network: screeners per unit (HR's and assigned) and their workload",
    response_model=NetworkView,
    **POLICY.route("network.read"),
)
async def read_network(
    runtime: RuntimeDep,
    principal: Annotated[Principal, POLICY.require("network.read")],
    unit_id: Annotated[str | None, Query(pattern=r"^[A-Za-z0-9_-]{1,64}$")] = None,
) -> NetworkView:
    now = now_of(runtime)
    async with runtime.db.transaction() as session:
        members = await network.network(session, now, unit_id=unit_id)
        uncovered = [] if unit_id else await network.units_without_reviewers(session, now)
    return NetworkView(
        members=[
            NetworkMemberView(
                person_id=m.person_id,
                unit_id=m.unit_id,
                roles=sorted(m.roles),
                sources=sorted(m.sources),
                workload=WorkloadView(
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
    response_model=NetworkView,
    status_code=201,
    **POLICY.route("network.manage"),
)
async def assign_change_agent(
    body: AssignmentRequest,
    runtime: RuntimeDep,
    traceparent: TraceparentDep,
    principal: Annotated[Principal, POLICY.require("network.manage")],
) -> NetworkView:
    async with unit_of_work(runtime, traceparent) as (session, env):
        if not await org.unit_exists(session, body.unit_id):
            raise _invalid("unit_id", f"Unknown unit {body.unit_id}.")
        if body.person_id in await org.inactive_ids(session):
            raise _invalid("person_id", f"{body.person_id} has left the city's service.")
        await network.assign(
            session,
            unit_id=body.unit_id,
            person_id=body.person_id,
            role=body.role,
            actor_id=principal.person_id,
            now=env.now,
        )
        await case_ops.route_unrouted(session, env)
    return await read_network(runtime, principal, unit_id=body.unit_id)


@router.delete(
    "/change-agents/{unit_id}/{person_id}",
    summary="Remove an admin's assignment (HR's roles are HR's)",
    status_code=204,
    responses=NOT_FOUND,
    **POLICY.route("network.manage"),
)
async def unassign_change_agent(
    unit_id: PathId,
    person_id: PathId,
    runtime: RuntimeDep,
    principal: Annotated[Principal, POLICY.require("network.manage")],
) -> Response:
    async with runtime.db.transaction() as session:
        removed = await network.unassign(
            session,
            unit_id=unit_id,
            person_id=person_id,
            actor_id=principal.person_id,
            now=now_of(runtime),
        )
    if not removed:
        raise Problem(404, "Assignment not found", f"{person_id} is not assigned to {unit_id}.")
    return Response(status_code=204)


@router.get(
    "/workload",
    summary="Open and overdue cases per reviewer, busiest first",
    response_model=list[ReviewerWorkload],
    **POLICY.route("workload.read"),
)
async def read_workload(
    runtime: RuntimeDep, principal: Annotated[Principal, POLICY.require("workload.read")]
) -> list[ReviewerWorkload]:
    async with runtime.db.transaction() as session:
        loads = await network.workloads(session, now_of(runtime))
    ordered = sorted(loads.items(), key=lambda item: (-item[1].open_cases, item[0]))
    return [
        ReviewerWorkload(
            person_id=person_id,
            workload=WorkloadView(open_cases=w.open_cases, overdue_cases=w.overdue_cases),
        )
        for person_id, w in ordered
    ]


@router.post(
    "/deadlines/sweep",
    summary="Escalate every overdue step now (the periodic sweep does this on its own)",
    response_model=SweepResult,
    **POLICY.route("deadlines.sweep"),
)
async def run_sweep(
    runtime: RuntimeDep, principal: Annotated[Principal, POLICY.require("deadlines.sweep")]
) -> SweepResult:
    escalated = await run_deadline_sweep(runtime)
    return SweepResult(escalated=len(escalated), case_ids=[e.case_id for e in escalated])


async def run_deadline_sweep(runtime: Runtime) -> list[CaseEscalated]:
    """One sweep on the service's clock: the periodic task and POST /deadlines/sweep run it."""
    settings = settings_of(runtime)
    return await escalation.sweep(
        runtime.db,
        runtime.outbox,
        now=now_of(runtime),
        base_rule=settings.builtin_rule(),
        batch=settings.deadline_sweep_batch,
    )


def _invalid(field: str, message: str) -> Problem:
    return Problem(
        422,
        "Invalid input",
        f"{field}: {message}",
        errors=[{"field": field, "message": message, "type": "value_error"}],
    )
