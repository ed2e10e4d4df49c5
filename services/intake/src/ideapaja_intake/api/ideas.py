"""Ideas for their authors and reviewers: submit, read, list and search, similar ideas while
typing, edit (a new version), withdraw."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request, Response

from ideapaja_contracts.events.idea import Channel
from ideapaja_intake.api.deps import (
    CREATED,
    REFUSALS,
    IdeaIdPath,
    IntakeUow,
    LaterUow,
    ListFilters,
    SubmissionWriter,
    TrigramIndex,
)
from ideapaja_intake.api.idempotency import Idempotent, Outcome
from ideapaja_intake.api.routing import LimitedBodyRoute
from ideapaja_intake.authz import POLICY
from ideapaja_intake.db.ideas import IdeaRecord
from ideapaja_intake.domain.submission import IdeaEdit, IdeaSubmission
from ideapaja_intake.domain.visibility import REVIEWER_ROLES
from ideapaja_intake.schemas.ideas import (
    IdeaPublic,
    IdeaSummary,
    SimilarIdeaPublic,
    VersionPublic,
    WithdrawalCreate,
)
from ideapaja_intake.usecases import editing, ideas
from ideapaja_intake.usecases.submissions import (
    Submitter,
    submission_content,
    submit_idea,
    submit_together,
)
from ideapaja_runtime.deps import TraceparentDep
from ideapaja_runtime.iplimits import SUBMISSIONS, counted_if_accepted
from ideapaja_runtime.pagination import Cursor, Page, PageParams, PageRequest
from ideapaja_runtime.problems import PROBLEM_SCHEMA
from ideapaja_runtime.routes import Actor, service_router

router = service_router(prefix="/ideas", tags=["ideas"], route_class=LimitedBodyRoute)

SIMILAR_MAX = 20


async def _similar_page(
    limit: Annotated[
        int,
        Query(
            ge=1,
            le=SIMILAR_MAX,
            description=f"Ideas per page (1–{SIMILAR_MAX}); the form shows the first few. The "
            "ranking covers at most about a hundred candidates, so the list is short",
        ),
    ] = 5,
    cursor: Cursor = None,
) -> PageRequest:
    return PageRequest(limit=limit, cursor=cursor)


SimilarPage = Annotated[PageRequest, Depends(_similar_page)]


def created_idea(record: IdeaRecord, viewer_id: str) -> Outcome:
    return Outcome.of(201, IdeaPublic.of(record, viewer_id), Location=f"/ideas/{record.idea.id}")


@router.post(
    "",
    status_code=201,
    response_model=IdeaPublic,
    summary="Submit an idea",
    **POLICY.route(
        "ideas.submit",
        description="Stores the idea and emits IdeaSubmitted (channel api) in the same "
        "transaction. Co-authors in co_author_ids are invited (they confirm). Limited per person "
        "per hour and per client address (429 with Retry-After, nothing stored). With "
        "Idempotency-Key, a retry returns the first answer.",
    ),
    responses={**CREATED, **REFUSALS},
)
async def create_idea(
    submission: IdeaSubmission,
    actor: Actor,
    request: Request,
    writer: SubmissionWriter,
    later: LaterUow,
    idempotent: Idempotent,
    traceparent: TraceparentDep,
) -> Response:
    submitter = Submitter.staff(actor)
    # Counted against the address only once stored: a refused attempt uses up nobody's allowance.
    async with counted_if_accepted(request, SUBMISSIONS):
        if idempotent.key is None:
            # Without a key, submissions arriving together are committed together (group
            # commit), each request without a unit of work of its own.
            record = await submit_together(
                writer, submitter, submission, Channel.API, traceparent=traceparent
            )
            return created_idea(record, actor.person_id).response()
        uow = await later()

        async def work() -> Outcome:
            record = await submit_idea(uow, submitter, submission, Channel.API)
            return created_idea(record, actor.person_id)

        return await idempotent.run(uow, submission_content(submission), work)


# Before /{idea_id}, which would match "similar".
@router.get(
    "/similar",
    response_model=Page[SimilarIdeaPublic],
    summary="Existing ideas like the one being typed",
    **POLICY.route(
        "ideas.similar",
        description="For the submission form: ideas whose title or text resemble ``text`` (trigram "
        "similarity of titles and shared word stems), best first, so an author can support an "
        "existing idea instead of writing a duplicate.",
    ),
)
async def similar_ideas(
    uow: IntakeUow,
    trigram_index: TrigramIndex,
    page: SimilarPage,
    text: Annotated[
        str, Query(min_length=3, max_length=500, description="What the author has typed so far")
    ],
    language: Annotated[
        str,
        Query(
            pattern="^(fi|sv|en)$",
            description="Language of the typed text (fi, sv or en), for word stems; each idea is "
            "compared in its own language",
        ),
    ] = "fi",
) -> Page[SimilarIdeaPublic]:
    return await ideas.similar_ideas(
        uow,
        text,
        page,
        lambda score, idea: SimilarIdeaPublic.of(idea, score),
        language=language,
        trigram_index=trigram_index,
    )


@router.get(
    "/{idea_id}",
    response_model=IdeaPublic,
    summary="Read an idea with its status and status history",
    **POLICY.route(
        "ideas.read",
        description="Visible to its authors (and invited co-authors) and to reviewers ("
        + ", ".join(REVIEWER_ROLES)
        + "). The authors of an anonymous idea are shown only to themselves. Colleagues read ideas "
        "through /public/ideas.",
    ),
    responses={404: PROBLEM_SCHEMA},
)
async def read_idea(idea_id: IdeaIdPath, uow: IntakeUow) -> IdeaPublic:
    return IdeaPublic.of(await ideas.viewable_idea(uow, idea_id), uow.person.person_id)


@router.get(
    "",
    response_model=Page[IdeaSummary],
    summary="List ideas, newest first",
    **POLICY.route(
        "ideas.list",
        description="mine=true: the caller's own ideas. Otherwise all submitted ideas, "
        "for reviewers only. Filters: status, scope, unit (a department includes its units), "
        "category, submission dates, language and full-text q. Newest first (ties by id).",
    ),
)
async def read_ideas(
    uow: IntakeUow,
    filters: ListFilters,
    page: PageParams,
    mine: Annotated[
        bool, Query(description="Only the caller's own ideas (needed unless a reviewer)")
    ] = False,
) -> Page[IdeaSummary]:
    return await ideas.list_ideas_for(uow, filters, page, IdeaSummary.model_validate, mine=mine)


@router.put(
    "/{idea_id}",
    response_model=IdeaPublic,
    summary="Edit a submitted idea (a new version)",
    **POLICY.route(
        "ideas.edit",
        description="Authors only, while the idea is submitted or needs_info. ``revision`` names "
        "the version edited (409 if another edit came first). Each edit keeps the previous "
        "version (GET …/versions) and emits IdeaUpdated; an edit that changes nothing is a no-op.",
    ),
    responses=REFUSALS,
)
async def update_idea(idea_id: IdeaIdPath, edit: IdeaEdit, uow: IntakeUow) -> IdeaPublic:
    return IdeaPublic.of(await editing.edit_idea(uow, idea_id, edit), uow.person.person_id)


@router.get(
    "/{idea_id}/versions",
    response_model=Page[VersionPublic],
    summary="Every version of an idea's text, oldest first",
    **POLICY.route(
        "ideas.read",
        description="For the authors and reviewers; who edited an anonymous idea is shown by its "
        "pseudonym to everyone but its authors.",
    ),
    responses={404: PROBLEM_SCHEMA},
)
async def read_versions(
    idea_id: IdeaIdPath, uow: IntakeUow, page: PageParams
) -> Page[VersionPublic]:
    return await ideas.idea_versions(
        uow, idea_id, page, lambda row, edited_by: VersionPublic.of(row, edited_by=edited_by)
    )


@router.post(
    "/{idea_id}/withdraw",
    response_model=IdeaPublic,
    summary="Withdraw an idea",
    **POLICY.route(
        "ideas.withdraw",
        description="Authors only, until a final decision. Emits IdeaWithdrawn; the idea leaves "
        "the public list. Withdrawing is final.",
    ),
    responses=REFUSALS,
)
async def withdraw(
    idea_id: IdeaIdPath, body: WithdrawalCreate, uow: IntakeUow, idempotent: Idempotent
) -> Response:
    async def work() -> Outcome:
        record = await editing.withdraw_idea(uow, idea_id, body.reason)
        return Outcome.of(200, IdeaPublic.of(record, uow.person.person_id))

    return await idempotent.run(uow, body.model_dump(), work)
