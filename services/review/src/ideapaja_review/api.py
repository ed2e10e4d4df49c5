"""HTTP routes: a reviewer's work list, one case, and the screening decision."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from sqlalchemy.ext.asyncio import AsyncSession

from ideapaja_contracts import Event
from ideapaja_contracts.base import ID_PATTERN
from ideapaja_review import cases
from ideapaja_review.domain import access
from ideapaja_review.domain.lifecycle import CaseState, IllegalTransition
from ideapaja_review.schemas import CaseDetail, CasePage, CaseSummary, DecisionRequest
from ideapaja_review.timeutil import utc_now
from ideapaja_runtime.auth import Principal, require_roles
from ideapaja_runtime.deps import RuntimeDep, TraceparentDep
from ideapaja_runtime.problems import PROBLEM_SCHEMA, Problem

router = APIRouter(prefix="/cases", tags=["cases"])

Reviewer = Annotated[Principal, require_roles(*access.WORKLIST_ROLES)]
CaseId = Annotated[str, Path(pattern=ID_PATTERN, max_length=64)]
IdeaId = Annotated[str, Path(pattern=ID_PATTERN, max_length=64)]
MAX_OFFSET = 1_000_000


@router.get(
    "",
    summary="The caller's work list: cases they review (every case for admins)",
    response_model=CasePage,
)
async def list_cases(
    runtime: RuntimeDep,
    principal: Reviewer,
    state: CaseState | None = None,
    routed: Annotated[bool | None, Query(description="Only (un)routed cases")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> CasePage:
    reviewer_id = None if access.ADMIN in principal.roles else principal.person_id
    async with runtime.db.transaction() as session:
        records, total = await cases.list_cases(
            session,
            reviewer_id=reviewer_id,
            state=state,
            routed=routed,
            limit=limit,
            offset=offset,
        )
    return CasePage(
        items=[CaseSummary.of(r) for r in records], total=total, limit=limit, offset=offset
    )


@router.get(
    "/by-idea/{idea_id}",
    summary="The case of an idea, with its history",
    response_model=CaseDetail,
    responses={404: PROBLEM_SCHEMA},
)
async def read_case_by_idea(
    idea_id: IdeaId, runtime: RuntimeDep, principal: Reviewer
) -> CaseDetail:
    async with runtime.db.transaction() as session:
        record = await _visible_case(session, principal, idea_id=idea_id)
    return CaseDetail.of(record)


@router.get(
    "/{case_id}",
    summary="One case, with the idea as submitted and its history",
    response_model=CaseDetail,
    responses={404: PROBLEM_SCHEMA},
)
async def read_case(case_id: CaseId, runtime: RuntimeDep, principal: Reviewer) -> CaseDetail:
    async with runtime.db.transaction() as session:
        record = await _visible_case(session, principal, case_id=case_id)
    return CaseDetail.of(record)


@router.post(
    "/{case_id}/decision",
    summary="Decide a case in screening (accepted, rejected, needs_info, duplicate, forwarded)",
    response_model=CaseDetail,
    responses={404: PROBLEM_SCHEMA, 409: PROBLEM_SCHEMA},
)
async def decide_case(
    case_id: CaseId,
    body: DecisionRequest,
    runtime: RuntimeDep,
    traceparent: TraceparentDep,
    principal: Reviewer,
) -> CaseDetail:
    try:
        async with runtime.db.transaction() as session:

            async def publish(event: Event) -> None:
                await runtime.outbox.add(session, event, traceparent=traceparent)

            record = await cases.decide(
                session,
                case_id,
                person_id=principal.person_id,
                roles=principal.roles,
                decision=body.decision,
                rationale=body.rationale,
                duplicate_of=body.duplicate_of,
                forwarded_to_unit_id=body.forwarded_to_unit_id,
                publish=publish,
                now=utc_now(),
            )
    except cases.CaseNotFound as exc:
        raise Problem(404, "Case not found", f"No case {case_id}.") from exc
    except cases.NotAllowed as exc:
        raise Problem(403, "Forbidden", str(exc)) from exc
    except IllegalTransition as exc:
        raise Problem(
            409,
            "Illegal transition",
            str(exc),
            state=exc.status.state.value,
            decision=exc.status.decision.value if exc.status.decision else None,
            allowed=[action.value for action in exc.allowed],
        ) from exc
    except cases.InvalidDecision as exc:
        raise Problem(
            422,
            "Invalid input",
            f"{exc.field}: {exc.message}",
            errors=[{"field": exc.field, "message": exc.message, "type": "value_error"}],
        ) from exc
    return CaseDetail.of(record)


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
    if not access.may_view(principal.person_id, principal.roles, record.reviewer_ids):
        raise Problem(403, "Forbidden", "You are not a reviewer of this case.")
    return record
