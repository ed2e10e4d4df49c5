"""HTTP routes for an idea's authors: follow its review, answer the reviewers' question, appeal.

The author is whoever the token names, if that person is one of the idea's authors per its
IdeaSubmitted (also when the idea is anonymous to reviewers).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter

from ideapaja_review import cases
from ideapaja_review.api.common import (
    NOT_FOUND,
    NOT_FOUND_OR_CONFLICT,
    PathId,
    problems,
    unit_of_work,
)
from ideapaja_review.authz import POLICY
from ideapaja_review.domain import access
from ideapaja_review.schemas.cases import AnswerRequest, AuthorView, ReasonRequest, author_view
from ideapaja_runtime.auth import Principal
from ideapaja_runtime.authz import forbidden_object
from ideapaja_runtime.deps import RuntimeDep, TraceparentDep
from ideapaja_runtime.problems import Problem

router = APIRouter(prefix="/ideas", tags=["authors"])


@router.get(
    "/{idea_id}/review",
    summary="The idea's review as its authors see it: status, rationale, question, next steps",
    response_model=AuthorView,
    responses=NOT_FOUND,
    **POLICY.route("ideas.read_review"),
)
async def read_review(
    idea_id: PathId,
    runtime: RuntimeDep,
    principal: Annotated[Principal, POLICY.require("ideas.read_review")],
) -> AuthorView:
    async with runtime.db.transaction() as session:
        rounds = await cases.cases_of_idea(session, idea_id)
        if not rounds:
            raise Problem(404, "Idea not found", f"Review knows no idea {idea_id}.")
        current = rounds[-1]
        reviewers = await cases.reviewer_ids(session, current.case_id)
        if not (
            access.is_author(principal.person_id, current.author_ids)
            or access.may_view(principal.person_id, principal.roles, reviewers)
        ):
            raise forbidden_object("Only the idea's authors and reviewers see this.")
        records = [await cases.record_of(session, case) for case in rounds]
    return author_view(records)


@router.post(
    "/{idea_id}/answer",
    summary="Answer the reviewers' needs_info question (authors); the case resumes screening",
    response_model=AuthorView,
    responses=NOT_FOUND_OR_CONFLICT,
    **POLICY.route("ideas.answer"),
)
async def answer(
    idea_id: PathId,
    body: AnswerRequest,
    runtime: RuntimeDep,
    traceparent: TraceparentDep,
    principal: Annotated[Principal, POLICY.require("ideas.answer")],
) -> AuthorView:
    with problems():
        async with unit_of_work(runtime, traceparent) as (session, env):
            await cases.answer(session, idea_id, principal.person_id, body.answer, env)
            records = [
                await cases.record_of(session, c)
                for c in await cases.cases_of_idea(session, idea_id)
            ]
    return author_view(records)


@router.post(
    "/{idea_id}/appeal",
    summary="Appeal the decision with a reason (authors; once per case)",
    response_model=AuthorView,
    responses=NOT_FOUND_OR_CONFLICT,
    **POLICY.route("ideas.appeal"),
)
async def appeal(
    idea_id: PathId,
    body: ReasonRequest,
    runtime: RuntimeDep,
    traceparent: TraceparentDep,
    principal: Annotated[Principal, POLICY.require("ideas.appeal")],
) -> AuthorView:
    with problems():
        async with unit_of_work(runtime, traceparent) as (session, env):
            await cases.appeal_by_author(session, idea_id, principal.person_id, body.reason, env)
            records = [
                await cases.record_of(session, c)
                for c in await cases.cases_of_idea(session, idea_id)
            ]
    return author_view(records)
