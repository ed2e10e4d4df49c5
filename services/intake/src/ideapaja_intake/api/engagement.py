"""Colleagues and co-authors taking part: supports, comments and their moderation, co-author
invitations."""

from __future__ import annotations

from fastapi import Response

from ideapaja_intake.api.deps import (
    CREATED,
    REFUSALS,
    CommentIdPath,
    IdeaIdPath,
    IntakeUow,
    PersonIdPath,
)
from ideapaja_intake.api.idempotency import Idempotent, Outcome
from ideapaja_intake.api.routing import LimitedBodyRoute
from ideapaja_intake.authz import POLICY
from ideapaja_intake.domain.visibility import MODERATOR_ROLES
from ideapaja_intake.schemas.engagement import (
    CoAuthorCreate,
    CoAuthorPublic,
    CommentCreate,
    CommentHide,
    CommentPublic,
    SupportPublic,
)
from ideapaja_intake.usecases import co_authors, engagement
from ideapaja_runtime.pagination import Page, PageParams
from ideapaja_runtime.problems import PROBLEM_SCHEMA
from ideapaja_runtime.routes import service_router

router = service_router(prefix="/ideas", tags=["engagement"], route_class=LimitedBodyRoute)

# --- supports ------------------------------------------------------------------------------------


@router.post(
    "/{idea_id}/support",
    status_code=201,
    response_model=SupportPublic,
    summary="Support an idea",
    **POLICY.route(
        "supports.write",
        description="One support per person (201 the first time, 200 if already given); authors "
        "cannot support their own idea. Emits IdeaSupported.",
    ),
    responses={200: {"description": "Already supported"}, **REFUSALS},
)
async def support(idea_id: IdeaIdPath, uow: IntakeUow, idempotent: Idempotent) -> Response:
    async def work() -> Outcome:
        idea, created = await engagement.support_idea(uow, idea_id)
        state = SupportPublic(idea_id=idea_id, supported=True, support_count=idea.support_count)
        return Outcome.of(201 if created else 200, state)

    return await idempotent.run(uow, {}, work)


@router.delete(
    "/{idea_id}/support",
    response_model=SupportPublic,
    summary="Withdraw my support",
    **POLICY.route(
        "supports.write",
        description="Emits IdeaSupported with withdrawn=true; without a support, nothing happens.",
    ),
    responses=REFUSALS,
)
async def unsupport(idea_id: IdeaIdPath, uow: IntakeUow) -> SupportPublic:
    idea = await engagement.withdraw_support(uow, idea_id)
    return SupportPublic(idea_id=idea_id, supported=False, support_count=idea.support_count)


# --- comments ------------------------------------------------------------------------------------


@router.get(
    "/{idea_id}/comments",
    response_model=Page[CommentPublic],
    summary="Comments on an idea, oldest first",
    **POLICY.route(
        "comments.read",
        description="Hidden comments keep their place with the reason; their text is shown only to "
        "moderators and to the person who wrote it.",
    ),
    responses={404: PROBLEM_SCHEMA},
)
async def read_comments(
    idea_id: IdeaIdPath, uow: IntakeUow, page: PageParams
) -> Page[CommentPublic]:
    return await engagement.comments_on(
        uow, idea_id, page, lambda row, shown: CommentPublic.of(row, show_hidden=shown)
    )


@router.post(
    "/{idea_id}/comments",
    status_code=201,
    response_model=CommentPublic,
    summary="Comment on an idea",
    **POLICY.route(
        "comments.write",
        description="Emits IdeaCommented. An author of an anonymous idea comments under the idea's "
        "pseudonym.",
    ),
    responses={**CREATED, **REFUSALS},
)
async def comment(
    idea_id: IdeaIdPath, body: CommentCreate, uow: IntakeUow, idempotent: Idempotent
) -> Response:
    async def work() -> Outcome:
        row = await engagement.add_comment(uow, idea_id, body.body)
        return Outcome.of(
            201,
            CommentPublic.of(row, show_hidden=True),
            Location=f"/ideas/{idea_id}/comments/{row.id}",
        )

    return await idempotent.run(uow, body.model_dump(), work)


@router.post(
    "/{idea_id}/comments/{comment_id}/hide",
    response_model=CommentPublic,
    summary="Hide a comment (moderation)",
    **POLICY.route(
        "comments.hide",
        description="For " + ", ".join(MODERATOR_ROLES) + ". Emits IdeaCommented with hidden=true, "
        "which tells the authors and reviewers.",
    ),
    responses=REFUSALS,
)
async def hide(
    idea_id: IdeaIdPath, comment_id: CommentIdPath, body: CommentHide, uow: IntakeUow
) -> CommentPublic:
    row = await engagement.hide_comment(uow, idea_id, comment_id, body.reason)
    return CommentPublic.of(row, show_hidden=True)


# --- co-authors ----------------------------------------------------------------------------------


@router.post(
    "/{idea_id}/co-authors",
    status_code=201,
    response_model=CoAuthorPublic,
    summary="Invite a co-author",
    **POLICY.route(
        "co_authors.invite",
        description="Authors invite a colleague by person id (known from HR); the colleague "
        "confirms to become an author, who then shares the idea's rewards.",
    ),
    responses={**CREATED, **REFUSALS},
)
async def invite(
    idea_id: IdeaIdPath, body: CoAuthorCreate, uow: IntakeUow, idempotent: Idempotent
) -> Response:
    async def work() -> Outcome:
        row, idea = await co_authors.invite_co_author(uow, idea_id, body.person_id)
        return Outcome.of(
            201,
            CoAuthorPublic(
                idea_id=idea_id, person_id=row.person_id, confirmed=False, revision=idea.revision
            ),
            Location=f"/ideas/{idea_id}/co-authors/{row.person_id}",
        )

    return await idempotent.run(uow, body.model_dump(), work)


@router.post(
    "/{idea_id}/co-authors/{person_id}/confirm",
    response_model=CoAuthorPublic,
    summary="Accept an invitation to co-author",
    **POLICY.route(
        "co_authors.confirm",
        description="Only the invited person. After submission this makes a new revision and emits "
        "IdeaUpdated; confirming again changes nothing.",
    ),
    responses=REFUSALS,
)
async def confirm(idea_id: IdeaIdPath, person_id: PersonIdPath, uow: IntakeUow) -> CoAuthorPublic:
    row, idea = await co_authors.confirm_co_author(uow, idea_id, person_id)
    return CoAuthorPublic(
        idea_id=idea_id, person_id=row.person_id, confirmed=True, revision=idea.revision
    )


@router.delete(
    "/{idea_id}/co-authors/{person_id}",
    status_code=204,
    summary="Decline or withdraw an invitation",
    **POLICY.route(
        "co_authors.remove",
        description="The invited person declines, or an author withdraws the invitation. Confirmed "
        "authors cannot be removed.",
    ),
    responses=REFUSALS,
)
async def uninvite(idea_id: IdeaIdPath, person_id: PersonIdPath, uow: IntakeUow) -> None:
    await co_authors.remove_co_author(uow, idea_id, person_id)
