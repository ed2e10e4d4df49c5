"""HTTP routes for an idea's authors: follow its review, answer the reviewers' question, appeal.

The author is whoever the token names, if that person is one of the idea's authors per its
IdeaSubmitted (also when the idea is anonymous to reviewers).
"""

from __future__ import annotations

from ideapaja_review.api.deps import (
    NOT_FOUND,
    NOT_FOUND_OR_CONFLICT,
    IdeaId,
    ReviewUow,
)
from ideapaja_review.authz import POLICY
from ideapaja_review.schemas.cases import AnswerCreate, AppealCreate, AuthorPublic, author_view
from ideapaja_review.usecases import case_decisions, case_records
from ideapaja_runtime.routes import service_router

router = service_router(prefix="/ideas", tags=["authors"])


@router.get(
    "/{idea_id}/review",
    summary="The idea's review as its authors see it: status, rationale, question, next steps",
    response_model=AuthorPublic,
    responses=NOT_FOUND,
    **POLICY.route("ideas.read_review"),
)
async def read_review(
    idea_id: IdeaId,
    uow: ReviewUow,
) -> AuthorPublic:
    records = await case_records.rounds_as_author_sees(uow, idea_id)
    return author_view(records)


@router.post(
    "/{idea_id}/answer",
    summary="Answer the reviewers' needs_info question (authors); the case resumes screening",
    response_model=AuthorPublic,
    responses=NOT_FOUND_OR_CONFLICT,
    **POLICY.route("ideas.answer"),
)
async def answer(
    idea_id: IdeaId,
    body: AnswerCreate,
    uow: ReviewUow,
) -> AuthorPublic:
    await case_decisions.answer(uow, idea_id, uow.person.person_id, body.answer)
    records = await case_records.rounds_of(uow.session, idea_id)
    return author_view(records)


@router.post(
    "/{idea_id}/appeal",
    summary="Appeal the decision with a reason (authors; once per case)",
    response_model=AuthorPublic,
    responses=NOT_FOUND_OR_CONFLICT,
    **POLICY.route("ideas.appeal"),
)
async def appeal(
    idea_id: IdeaId,
    body: AppealCreate,
    uow: ReviewUow,
) -> AuthorPublic:
    await case_decisions.appeal_by_author(uow, idea_id, uow.person.person_id, body.reason)
    records = await case_records.rounds_of(uow.session, idea_id)
    return author_view(records)
