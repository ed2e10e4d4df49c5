"""HTTP routes on cases: work lists, one case, screening, decisions, reopening, and carrying an
accepted idea forward (experiments, implementation, good practice)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy.ext.asyncio import AsyncSession

from ideapaja_review import cases, committee_roster, progress
from ideapaja_review.api.common import (
    MAX_OFFSET,
    NOT_FOUND,
    NOT_FOUND_OR_CONFLICT,
    PathId,
    actor_of,
    now_of,
    problems,
    require_worklist,
    unit_of_work,
)
from ideapaja_review.api.views import experiment_view, implementation_view, practice_view
from ideapaja_review.authz import POLICY
from ideapaja_review.domain import access
from ideapaja_review.domain.lifecycle import CaseState
from ideapaja_review.schemas.cases import (
    CaseDetail,
    CasePage,
    CaseSummary,
    DecisionRequest,
    NoteRequest,
    ReasonRequest,
)
from ideapaja_review.schemas.progress import (
    CompletionBody,
    ExperimentCompletion,
    ExperimentCreate,
    ExperimentView,
    ImplementationCreate,
    ImplementationView,
    PracticeCreate,
    PracticeView,
    ProgressBody,
)
from ideapaja_runtime.auth import Principal
from ideapaja_runtime.authz import Scope, forbidden_object
from ideapaja_runtime.deps import RuntimeDep, TraceparentDep
from ideapaja_runtime.problems import Problem

router = APIRouter(prefix="/cases", tags=["cases"])


@router.get(
    "",
    summary="The caller's work list: cases they review (every case for admins)",
    response_model=CasePage,
    **POLICY.route("cases.list"),
)
async def list_cases(
    runtime: RuntimeDep,
    principal: Annotated[Principal, POLICY.require("cases.list")],
    state: CaseState | None = None,
    routed: Annotated[bool | None, Query(description="Only (un)routed cases")] = None,
    overdue: Annotated[
        bool | None, Query(description="Only cases whose current step is overdue")
    ] = None,
    escalated: Annotated[
        bool | None, Query(description="Only cases escalated (or not) for a missed deadline")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> CasePage:
    await require_worklist(runtime, principal)
    everyone = POLICY["cases.list"].scope_for(principal) is Scope.ANY
    reviewer_id = None if everyone else principal.person_id
    now = now_of(runtime)
    async with runtime.db.transaction() as session:
        records, total = await cases.list_cases(
            session,
            reviewer_id=reviewer_id,
            state=state,
            routed=routed,
            limit=limit,
            offset=offset,
            overdue=overdue,
            now=now,
            escalated=escalated,
        )
    items = [CaseSummary.of(r, now) for r in records]
    return CasePage(items=items, total=total, limit=limit, offset=offset)


@router.get(
    "/by-idea/{idea_id}",
    summary="The current case of an idea (the latest round), with its history",
    response_model=CaseDetail,
    responses=NOT_FOUND,
    **POLICY.route("cases.read"),
)
async def read_case_by_idea(
    idea_id: PathId,
    runtime: RuntimeDep,
    principal: Annotated[Principal, POLICY.require("cases.read")],
) -> CaseDetail:
    await require_worklist(runtime, principal)
    async with runtime.db.transaction() as session:
        record = await _visible_case(session, principal, idea_id=idea_id)
    return CaseDetail.of(record, now_of(runtime))


@router.get(
    "/{case_id}",
    summary="One case, with the idea as submitted and its history",
    response_model=CaseDetail,
    responses=NOT_FOUND,
    **POLICY.route("cases.read"),
)
async def read_case(
    case_id: PathId,
    runtime: RuntimeDep,
    principal: Annotated[Principal, POLICY.require("cases.read")],
) -> CaseDetail:
    await require_worklist(runtime, principal)
    async with runtime.db.transaction() as session:
        record = await _visible_case(session, principal, case_id=case_id)
    return CaseDetail.of(record, now_of(runtime))


@router.post(
    "/{case_id}/accept-for-review",
    summary="Screening: accept the idea for review (committee ideas go onto its agenda)",
    response_model=CaseDetail,
    responses=NOT_FOUND_OR_CONFLICT,
    **POLICY.route("cases.screen"),
)
async def accept_for_review(
    case_id: PathId,
    body: NoteRequest,
    runtime: RuntimeDep,
    traceparent: TraceparentDep,
    principal: Annotated[Principal, POLICY.require("cases.screen")],
) -> CaseDetail:
    await require_worklist(runtime, principal)
    with problems():
        async with unit_of_work(runtime, traceparent) as (session, env):
            record = await cases.accept_for_review(
                session, case_id, actor_of(principal), body.note, env
            )
    return CaseDetail.of(record, env.now)


@router.post(
    "/{case_id}/decision",
    summary="Decide a case in screening or review (accepted, rejected, needs_info, duplicate, "
    "forwarded)",
    response_model=CaseDetail,
    responses=NOT_FOUND_OR_CONFLICT,
    **POLICY.route("cases.decide"),
)
async def decide_case(
    case_id: PathId,
    body: DecisionRequest,
    runtime: RuntimeDep,
    traceparent: TraceparentDep,
    principal: Annotated[Principal, POLICY.require("cases.decide")],
) -> CaseDetail:
    await require_worklist(runtime, principal)
    with problems():
        async with unit_of_work(runtime, traceparent) as (session, env):
            record = await cases.decide(
                session,
                case_id,
                actor_of(principal),
                decision=body.decision,
                rationale=body.rationale,
                duplicate_of=body.duplicate_of,
                forwarded_to_unit_id=body.forwarded_to_unit_id,
                question=body.question,
                env=env,
            )
    return CaseDetail.of(record, env.now)


@router.post(
    "/{case_id}/reopen",
    summary="Reopen a decision (once per case, shared with the authors' appeal)",
    response_model=CaseDetail,
    responses=NOT_FOUND_OR_CONFLICT,
    **POLICY.route("cases.reopen"),
)
async def reopen_case(
    case_id: PathId,
    body: ReasonRequest,
    runtime: RuntimeDep,
    traceparent: TraceparentDep,
    principal: Annotated[Principal, POLICY.require("cases.reopen")],
) -> CaseDetail:
    await require_worklist(runtime, principal)
    with problems():
        async with unit_of_work(runtime, traceparent) as (session, env):
            record = await cases.reopen(session, case_id, actor_of(principal), body.reason, env)
    return CaseDetail.of(record, env.now)


# --- Experiments, implementation, good practice ----------------------------------------------


@router.post(
    "/{case_id}/experiments",
    summary="Start an experiment (pilot) of an accepted idea",
    response_model=ExperimentView,
    status_code=201,
    responses=NOT_FOUND_OR_CONFLICT,
    **POLICY.route("experiments.run"),
)
async def start_experiment(
    case_id: PathId,
    body: ExperimentCreate,
    runtime: RuntimeDep,
    traceparent: TraceparentDep,
    principal: Annotated[Principal, POLICY.require("experiments.run")],
) -> ExperimentView:
    with problems("Experiment"):
        async with unit_of_work(runtime, traceparent) as (session, env):
            plan = progress.ExperimentPlan(
                pilot_unit_ids=body.pilot_unit_ids,
                hypothesis=body.hypothesis,
                measure=body.measure,
                baseline=body.baseline,
                starts_on=body.starts_on,
                ends_on=body.ends_on,
            )
            experiment = await progress.start_experiment(
                session, case_id, actor_of(principal), plan, env
            )
            case = await cases.get_case(session, case_id=case_id)
    return experiment_view(experiment, case.case)


@router.post(
    "/{case_id}/experiments/{experiment_id}/completion",
    summary="Record an experiment's results and outcome (scale, adjust or stop) with its lesson",
    response_model=ExperimentView,
    responses=NOT_FOUND_OR_CONFLICT,
    **POLICY.route("experiments.run"),
)
async def complete_experiment(
    case_id: PathId,
    experiment_id: PathId,
    body: ExperimentCompletion,
    runtime: RuntimeDep,
    traceparent: TraceparentDep,
    principal: Annotated[Principal, POLICY.require("experiments.run")],
) -> ExperimentView:
    with problems("Experiment"):
        async with unit_of_work(runtime, traceparent) as (session, env):
            experiment = await progress.complete_experiment(
                session,
                case_id,
                experiment_id,
                actor_of(principal),
                result=body.result,
                measured_value=body.measured_value,
                outcome=body.outcome,
                lesson=body.lesson,
                env=env,
            )
            case = await cases.get_case(session, case_id=case_id)
    return experiment_view(experiment, case.case)


@router.post(
    "/{case_id}/implementation",
    summary="Start implementing an accepted (or piloted) idea: owner and milestones",
    response_model=ImplementationView,
    status_code=201,
    responses=NOT_FOUND_OR_CONFLICT,
    **POLICY.route("implementation.start"),
)
async def start_implementation(
    case_id: PathId,
    body: ImplementationCreate,
    runtime: RuntimeDep,
    traceparent: TraceparentDep,
    principal: Annotated[Principal, POLICY.require("implementation.start")],
) -> ImplementationView:
    with problems("Implementation"):
        async with unit_of_work(runtime, traceparent) as (session, env):
            await progress.start_implementation(
                session,
                case_id,
                actor_of(principal),
                owner_id=body.owner_id,
                planned_benefit=body.planned_benefit,
                milestones=[(m.title, m.due_on) for m in body.milestones],
                env=env,
            )
            implementation, milestones = await progress.get_implementation(session, case_id)
    return implementation_view(implementation, milestones)


@router.get(
    "/{case_id}/implementation",
    summary="An idea's implementation: owner, milestones, progress (any employee)",
    response_model=ImplementationView,
    responses=NOT_FOUND,
    **POLICY.route("implementation.read"),
)
async def read_implementation(
    case_id: PathId,
    runtime: RuntimeDep,
    principal: Annotated[Principal, POLICY.require("implementation.read")],
) -> ImplementationView:
    with problems("Implementation"):
        async with runtime.db.transaction() as session:
            implementation, milestones = await progress.get_implementation(session, case_id)
    return implementation_view(implementation, milestones)


@router.post(
    "/{case_id}/implementation/progress",
    summary="Report implementation progress (owner or reviewers): percent, milestones done",
    response_model=ImplementationView,
    responses=NOT_FOUND_OR_CONFLICT,
    **POLICY.route("implementation.report"),
)
async def record_progress(
    case_id: PathId,
    body: ProgressBody,
    runtime: RuntimeDep,
    traceparent: TraceparentDep,
    principal: Annotated[Principal, POLICY.require("implementation.report")],
) -> ImplementationView:
    with problems("Implementation"):
        async with unit_of_work(runtime, traceparent) as (session, env):
            await progress.record_progress(
                session,
                case_id,
                actor_of(principal),
                percent=body.percent,
                milestones_done=body.milestones_done,
                note=body.note,
                env=env,
            )
            implementation, milestones = await progress.get_implementation(session, case_id)
    return implementation_view(implementation, milestones)


@router.post(
    "/{case_id}/implementation/completion",
    summary="Complete the implementation with its realised benefit (triggers reward rules)",
    response_model=ImplementationView,
    responses=NOT_FOUND_OR_CONFLICT,
    **POLICY.route("implementation.report"),
)
async def complete_implementation(
    case_id: PathId,
    body: CompletionBody,
    runtime: RuntimeDep,
    traceparent: TraceparentDep,
    principal: Annotated[Principal, POLICY.require("implementation.report")],
) -> ImplementationView:
    with problems("Implementation"):
        async with unit_of_work(runtime, traceparent) as (session, env):
            await progress.complete_implementation(
                session,
                case_id,
                actor_of(principal),
                realised_benefit=body.realised_benefit,
                env=env,
            )
            implementation, milestones = await progress.get_implementation(session, case_id)
    return implementation_view(implementation, milestones)


@router.post(
    "/{case_id}/practice",
    summary="Publish an implemented idea as a good practice for other units",
    response_model=PracticeView,
    status_code=201,
    responses=NOT_FOUND_OR_CONFLICT,
    **POLICY.route("practices.publish"),
)
async def publish_practice(
    case_id: PathId,
    body: PracticeCreate,
    runtime: RuntimeDep,
    traceparent: TraceparentDep,
    principal: Annotated[Principal, POLICY.require("practices.publish")],
) -> PracticeView:
    with problems("Practice"):
        async with unit_of_work(runtime, traceparent) as (session, env):
            practice = await progress.publish_practice(
                session,
                case_id,
                actor_of(principal),
                title=body.title,
                summary=body.summary,
                env=env,
            )
    return practice_view(practice, [])


async def _visible_case(
    session: AsyncSession,
    principal: Principal,
    *,
    case_id: str | None = None,
    idea_id: str | None = None,
) -> cases.CaseRecord:
    try:
        record = await cases.get_case(session, case_id=case_id, idea_id=idea_id)
    except cases.CaseNotFound as exc:
        raise Problem(404, "Case not found", f"No case for {case_id or idea_id}.") from exc
    if access.may_view(principal.person_id, principal.roles, record.reviewer_ids):
        return record
    committee_id = record.case.committee_id
    if committee_id is not None and principal.person_id in await committee_roster.member_roles(
        session, committee_id
    ):
        return record
    raise forbidden_object("You are not a reviewer of this case.")
