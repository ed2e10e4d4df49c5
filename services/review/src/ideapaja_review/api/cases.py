"""HTTP routes on cases: work lists, one case, screening, decisions, reopening, and carrying an
accepted idea forward (experiments, implementation, good practice)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Query

from ideapaja_review.api.deps import (
    NOT_FOUND,
    NOT_FOUND_OR_CONFLICT,
    CaseId,
    ExperimentId,
    IdeaId,
    ReviewUow,
)
from ideapaja_review.authz import POLICY
from ideapaja_review.domain.lifecycle import CaseState
from ideapaja_review.schemas.cases import (
    AcceptanceCreate,
    CasePublic,
    CaseSummaryPublic,
    DecisionCreate,
    ReopeningCreate,
)
from ideapaja_review.schemas.progress import (
    ExperimentCreate,
    ExperimentPublic,
    ExperimentResultCreate,
    ImplementationCompletionCreate,
    ImplementationCreate,
    ImplementationPublic,
    PracticeCreate,
    PracticePublic,
    ProgressCreate,
)
from ideapaja_review.usecases import (
    case_decisions,
    case_records,
    experimenting,
    good_practices,
    implementing,
)
from ideapaja_runtime.pagination import Page, PageParams
from ideapaja_runtime.routes import service_router

router = service_router(prefix="/cases", tags=["cases"])


@router.get(
    "",
    summary="The caller's work list: cases they review (every case for admins), oldest first",
    response_model=Page[CaseSummaryPublic],
    **POLICY.route("cases.list"),
)
async def list_cases(
    uow: ReviewUow,
    page: PageParams,
    status: Annotated[CaseState | None, Query(description="Only cases in this status")] = None,
    routed: Annotated[bool | None, Query(description="Only (un)routed cases")] = None,
    overdue: Annotated[
        bool | None, Query(description="Only cases whose current step is (not) overdue")
    ] = None,
    escalated: Annotated[
        bool | None, Query(description="Only cases escalated (or not) for a missed deadline")
    ] = None,
    language: Annotated[
        Literal["fi", "sv", "en"] | None, Query(description="Only ideas in this language")
    ] = None,
    q: Annotated[
        str | None,
        Query(
            max_length=200,
            description="Words to search for in the idea's text, in any inflected form: cases "
            "with every word as a word of their own first, then those with it inside a "
            "compound (each oldest first).",
        ),
    ] = None,
) -> Page[CaseSummaryPublic]:
    return await case_records.work_list(
        uow,
        page,
        item=lambda record: CaseSummaryPublic.of(record, uow.now),
        status=status,
        routed=routed,
        overdue=overdue,
        escalated=escalated,
        language=language,
        q=q,
    )


@router.get(
    "/by-idea/{idea_id}",
    summary="The current case of an idea (the latest round), with its history",
    response_model=CasePublic,
    responses=NOT_FOUND,
    **POLICY.route("cases.read"),
)
async def read_case_by_idea(
    idea_id: IdeaId,
    uow: ReviewUow,
) -> CasePublic:
    return CasePublic.of(await case_records.visible_case(uow, idea_id=idea_id), uow.now)


@router.get(
    "/{case_id}",
    summary="One case, with the idea as submitted and its history",
    response_model=CasePublic,
    responses=NOT_FOUND,
    **POLICY.route("cases.read"),
)
async def read_case(
    case_id: CaseId,
    uow: ReviewUow,
) -> CasePublic:
    return CasePublic.of(await case_records.visible_case(uow, case_id=case_id), uow.now)


@router.post(
    "/{case_id}/accept-for-review",
    summary="Screening: accept the idea for review (committee ideas go onto its agenda)",
    response_model=CasePublic,
    responses=NOT_FOUND_OR_CONFLICT,
    **POLICY.route("cases.screen"),
)
async def accept_for_review(
    case_id: CaseId,
    body: AcceptanceCreate,
    uow: ReviewUow,
) -> CasePublic:
    record = await case_decisions.accept_for_review(uow, case_id, body.note)
    return CasePublic.of(record, uow.now)


@router.post(
    "/{case_id}/decision",
    summary="Decide a case in screening or review (accepted, rejected, needs_info, duplicate, "
    "forwarded)",
    response_model=CasePublic,
    responses=NOT_FOUND_OR_CONFLICT,
    **POLICY.route("cases.decide"),
)
async def decide_case(
    case_id: CaseId,
    body: DecisionCreate,
    uow: ReviewUow,
) -> CasePublic:
    record = await case_decisions.decide(uow, case_id, **body.taken())
    return CasePublic.of(record, uow.now)


@router.post(
    "/{case_id}/reopen",
    summary="Reopen a decision (once per case, shared with the authors' appeal)",
    response_model=CasePublic,
    responses=NOT_FOUND_OR_CONFLICT,
    **POLICY.route("cases.reopen"),
)
async def reopen_case(
    case_id: CaseId,
    body: ReopeningCreate,
    uow: ReviewUow,
) -> CasePublic:
    record = await case_decisions.reopen(uow, case_id, body.reason)
    return CasePublic.of(record, uow.now)


# --- Experiments, implementation, good practice ----------------------------------------------


@router.post(
    "/{case_id}/experiments",
    summary="Start an experiment (pilot) of an accepted idea",
    response_model=ExperimentPublic,
    status_code=201,
    responses=NOT_FOUND_OR_CONFLICT,
    **POLICY.route("experiments.run"),
)
async def start_experiment(
    case_id: CaseId,
    body: ExperimentCreate,
    uow: ReviewUow,
) -> ExperimentPublic:
    plan = experimenting.ExperimentPlan(
        pilot_unit_ids=body.pilot_unit_ids,
        hypothesis=body.hypothesis,
        measure=body.measure,
        baseline=body.baseline,
        starts_on=body.starts_on,
        ends_on=body.ends_on,
    )
    return ExperimentPublic.of(*await experimenting.start_experiment(uow, case_id, plan))


@router.post(
    "/{case_id}/experiments/{experiment_id}/completion",
    summary="Record an experiment's results and outcome (scale, adjust or stop) with its lesson",
    response_model=ExperimentPublic,
    responses=NOT_FOUND_OR_CONFLICT,
    **POLICY.route("experiments.run"),
)
async def complete_experiment(
    case_id: CaseId,
    experiment_id: ExperimentId,
    body: ExperimentResultCreate,
    uow: ReviewUow,
) -> ExperimentPublic:
    completed = await experimenting.complete_experiment(
        uow,
        case_id,
        experiment_id,
        result=body.result,
        measured_value=body.measured_value,
        outcome=body.outcome,
        lesson=body.lesson,
    )
    return ExperimentPublic.of(*completed)


@router.post(
    "/{case_id}/implementation",
    summary="Start implementing an accepted (or piloted) idea: owner and milestones",
    response_model=ImplementationPublic,
    status_code=201,
    responses=NOT_FOUND_OR_CONFLICT,
    **POLICY.route("implementation.start"),
)
async def start_implementation(
    case_id: CaseId,
    body: ImplementationCreate,
    uow: ReviewUow,
) -> ImplementationPublic:
    started = await implementing.start_implementation(
        uow,
        case_id,
        owner_id=body.owner_id,
        planned_benefit=body.planned_benefit,
        milestones=[(m.title, m.due_on) for m in body.milestones],
    )
    return ImplementationPublic.of(*started)


@router.get(
    "/{case_id}/implementation",
    summary="An idea's implementation: owner, milestones, progress (any employee)",
    response_model=ImplementationPublic,
    responses=NOT_FOUND,
    **POLICY.route("implementation.read"),
)
async def read_implementation(
    case_id: CaseId,
    uow: ReviewUow,
) -> ImplementationPublic:
    return ImplementationPublic.of(*await implementing.get_implementation(uow.session, case_id))


@router.post(
    "/{case_id}/implementation/progress",
    summary="Report implementation progress (owner or reviewers): percent, milestones done",
    response_model=ImplementationPublic,
    responses=NOT_FOUND_OR_CONFLICT,
    **POLICY.route("implementation.report"),
)
async def record_progress(
    case_id: CaseId,
    body: ProgressCreate,
    uow: ReviewUow,
) -> ImplementationPublic:
    progressed = await implementing.record_progress(
        uow,
        case_id,
        percent=body.percent,
        milestones_done=body.milestones_done,
        note=body.note,
    )
    return ImplementationPublic.of(*progressed)


@router.post(
    "/{case_id}/implementation/completion",
    summary="Complete the implementation with its realised benefit (triggers reward rules)",
    response_model=ImplementationPublic,
    responses=NOT_FOUND_OR_CONFLICT,
    **POLICY.route("implementation.report"),
)
async def complete_implementation(
    case_id: CaseId,
    body: ImplementationCompletionCreate,
    uow: ReviewUow,
) -> ImplementationPublic:
    return ImplementationPublic.of(
        *await implementing.complete_implementation(
            uow, case_id, realised_benefit=body.realised_benefit
        )
    )


@router.post(
    "/{case_id}/practice",
    summary="Publish an implemented idea as a good practice for other units",
    response_model=PracticePublic,
    status_code=201,
    responses=NOT_FOUND_OR_CONFLICT,
    **POLICY.route("practices.publish"),
)
async def publish_practice(
    case_id: CaseId,
    body: PracticeCreate,
    uow: ReviewUow,
) -> PracticePublic:
    practice = await good_practices.publish_practice(
        uow,
        case_id,
        title=body.title,
        summary=body.summary,
    )
    return PracticePublic.of(practice, [])
