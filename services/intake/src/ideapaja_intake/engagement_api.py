"""HTTP API for colleagues and co-authors: the public list and view, supports, comments and
their moderation, co-author invitations, attachments."""

from __future__ import annotations

import hashlib
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, File, Response, UploadFile
from sqlalchemy.ext.asyncio import AsyncSession

from ideapaja_contracts.events.idea import Scope
from ideapaja_intake.api import (
    CREATED,
    ERRORS,
    CategoryFilter,
    Cursor,
    Day,
    IdeaIdPath,
    IdempotencyKey,
    Limit,
    SearchText,
    Statuses,
    UnitFilter,
    idea_page,
    viewable_record,
)
from ideapaja_intake.attachments import accept_file, load_attachment, store_attachment
from ideapaja_intake.authz import POLICY, require
from ideapaja_intake.db.ideas import is_supporter, load_idea
from ideapaja_intake.domain.status import PUBLIC_STATUSES, IdeaStatus
from ideapaja_intake.domain.visibility import MODERATOR_ROLES
from ideapaja_intake.editing import confirm_co_author, invite_co_author, remove_co_author
from ideapaja_intake.engagement import (
    add_comment,
    comments_of,
    hide_comment,
    support_idea,
    withdraw_support,
)
from ideapaja_intake.errors import AttachmentNotFound, ForbiddenObject, IdeaNotFound
from ideapaja_intake.http import LimitedBodyRoute, SettingsDep, staff_caller
from ideapaja_intake.idempotency import Outcome, run_idempotent
from ideapaja_intake.schemas.engagement import (
    CoAuthorCreate,
    CoAuthorPublic,
    CommentCreate,
    CommentHide,
    CommentPublic,
    SupportPublic,
)
from ideapaja_intake.schemas.ideas import (
    AttachmentPublic,
    ColleagueIdeaPublic,
    IdeaPage,
    ListParams,
)
from ideapaja_runtime.auth import Principal
from ideapaja_runtime.deps import RuntimeDep, TraceparentDep
from ideapaja_runtime.problems import PROBLEM_SCHEMA

public_router = APIRouter(prefix="/public/ideas", tags=["public"])
engagement_router = APIRouter(prefix="/ideas", tags=["engagement"], route_class=LimitedBodyRoute)
# Uploads are larger than other bodies: only the server-wide limit applies to them.
uploads_router = APIRouter(prefix="/ideas", tags=["engagement"])

# --- the public list and view --------------------------------------------------------------------


@public_router.get(
    "",
    response_model=IdeaPage,
    summary="Ideas colleagues see: every submitted idea that is not withdrawn",
    **POLICY.route(
        "public.list",
        description="Any staff member. A unit's ideas: ?unit_id= (a department includes its "
        "units). Filters: status, scope, category, submission dates, full-text q (Finnish and "
        "Swedish inflections match); newest first with cursor pagination.",
    ),
)
async def public_ideas(
    principal: Annotated[Principal, require("public.list")],
    runtime: RuntimeDep,
    status: Statuses = [],  # noqa: B006 - FastAPI copies query defaults
    scope: Scope | None = None,
    unit_id: UnitFilter = None,
    category: CategoryFilter = None,
    submitted_from: Day = None,
    submitted_to: Day = None,
    q: SearchText = None,
    limit: Limit = 20,
    cursor: Cursor = None,
) -> IdeaPage:
    params = ListParams(
        status=status,
        scope=scope,
        unit_id=unit_id,
        category=category,
        submitted_from=submitted_from,
        submitted_to=submitted_to,
        q=q,
    )
    return await idea_page(runtime, params, limit=limit, offset=0, cursor=cursor, public_only=True)


@public_router.get(
    "/{idea_id}",
    response_model=ColleagueIdeaPublic,
    summary="An idea as colleagues see it, with its public timeline",
    **POLICY.route(
        "public.read",
        description="Who decided what, when and why; the authors only if the idea is not anonymous "
        "(otherwise its pseudonym), and whether the caller supports it.",
    ),
    responses={404: PROBLEM_SCHEMA},
)
async def public_idea(
    idea_id: IdeaIdPath,
    principal: Annotated[Principal, require("public.read")],
    runtime: RuntimeDep,
) -> ColleagueIdeaPublic:
    async with runtime.db.transaction() as session:
        record = await load_idea(session, idea_id)
        supported = await is_supporter(session, idea_id, principal.person_id)
    if record is None or IdeaStatus(record.idea.status) not in PUBLIC_STATUSES:
        raise IdeaNotFound(idea_id, detail=f"No public idea {idea_id}.")
    return ColleagueIdeaPublic.of(record, principal.person_id, supported=supported)


# --- supports ------------------------------------------------------------------------------------


@engagement_router.post(
    "/{idea_id}/support",
    status_code=201,
    response_model=SupportPublic,
    summary="Support an idea",
    **POLICY.route(
        "supports.write",
        description="One support per person (201 the first time, 200 if already given); authors "
        "cannot support their own idea. Emits IdeaSupported.",
    ),
    responses={200: {"description": "Already supported"}, **ERRORS},
)
async def support(
    idea_id: IdeaIdPath,
    principal: Annotated[Principal, require("supports.write")],
    runtime: RuntimeDep,
    traceparent: TraceparentDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    async def work(session: AsyncSession) -> Outcome:
        idea, created = await support_idea(
            session,
            outbox=runtime.outbox,
            person_id=principal.person_id,
            idea_id=idea_id,
            traceparent=traceparent,
        )
        state = SupportPublic(idea_id=idea_id, supported=True, support_count=idea.support_count)
        return Outcome.of(201 if created else 200, state)

    return await run_idempotent(
        runtime,
        caller=staff_caller(principal.person_id),
        key=idempotency_key,
        operation=f"POST /ideas/{idea_id}/support",
        content={},
        work=work,
    )


@engagement_router.delete(
    "/{idea_id}/support",
    response_model=SupportPublic,
    summary="Withdraw my support",
    **POLICY.route(
        "supports.write",
        description="Emits IdeaSupported with withdrawn=true; without a support, nothing happens.",
    ),
    responses=ERRORS,
)
async def unsupport(
    idea_id: IdeaIdPath,
    principal: Annotated[Principal, require("supports.write")],
    runtime: RuntimeDep,
    traceparent: TraceparentDep,
) -> SupportPublic:
    async with runtime.db.transaction() as session:
        idea = await withdraw_support(
            session,
            outbox=runtime.outbox,
            person_id=principal.person_id,
            idea_id=idea_id,
            traceparent=traceparent,
        )
    return SupportPublic(idea_id=idea_id, supported=False, support_count=idea.support_count)


# --- comments ------------------------------------------------------------------------------------


def may_moderate(principal: Principal) -> bool:
    return principal.has_any(*MODERATOR_ROLES)


@engagement_router.get(
    "/{idea_id}/comments",
    response_model=list[CommentPublic],
    summary="Comments on an idea, oldest first",
    **POLICY.route(
        "comments.read",
        description="Hidden comments keep their place with the reason; their text is shown only to "
        "moderators and to the person who wrote it.",
    ),
    responses={404: PROBLEM_SCHEMA},
)
async def read_comments(
    idea_id: IdeaIdPath,
    principal: Annotated[Principal, require("comments.read")],
    runtime: RuntimeDep,
) -> list[CommentPublic]:
    async with runtime.db.transaction() as session:
        record = await load_idea(session, idea_id)
        if record is None or IdeaStatus(record.idea.status) not in PUBLIC_STATUSES:
            raise IdeaNotFound(idea_id, detail=f"No public idea {idea_id}.")
        rows = await comments_of(session, idea_id)
    moderator = may_moderate(principal)
    return [
        CommentPublic.of(row, show_hidden=moderator or row.commenter_id == principal.person_id)
        for row in rows
    ]


@engagement_router.post(
    "/{idea_id}/comments",
    status_code=201,
    response_model=CommentPublic,
    summary="Comment on an idea",
    **POLICY.route(
        "comments.write",
        description="Emits IdeaCommented. An author of an anonymous idea comments under the idea's "
        "pseudonym.",
    ),
    responses={**CREATED, **ERRORS},
)
async def comment(
    idea_id: IdeaIdPath,
    body: CommentCreate,
    principal: Annotated[Principal, require("comments.write")],
    runtime: RuntimeDep,
    traceparent: TraceparentDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    async def work(session: AsyncSession) -> Outcome:
        row = await add_comment(
            session,
            outbox=runtime.outbox,
            person_id=principal.person_id,
            idea_id=idea_id,
            body=body.body,
            traceparent=traceparent,
        )
        return Outcome.of(
            201,
            CommentPublic.of(row, show_hidden=True),
            Location=f"/ideas/{idea_id}/comments/{row.id}",
        )

    return await run_idempotent(
        runtime,
        caller=staff_caller(principal.person_id),
        key=idempotency_key,
        operation=f"POST /ideas/{idea_id}/comments",
        content=body.model_dump(),
        work=work,
    )


@engagement_router.post(
    "/{idea_id}/comments/{comment_id}/hide",
    response_model=CommentPublic,
    summary="Hide a comment (moderation)",
    **POLICY.route(
        "comments.hide",
        description="For " + ", ".join(MODERATOR_ROLES) + ". Emits IdeaCommented with hidden=true, "
        "which tells the authors and reviewers.",
    ),
    responses=ERRORS,
)
async def hide(
    idea_id: IdeaIdPath,
    comment_id: IdeaIdPath,
    body: CommentHide,
    principal: Annotated[Principal, require("comments.hide")],
    runtime: RuntimeDep,
    traceparent: TraceparentDep,
) -> CommentPublic:
    async with runtime.db.transaction() as session:
        row = await hide_comment(
            session,
            outbox=runtime.outbox,
            moderator_id=principal.person_id,
            idea_id=idea_id,
            comment_id=comment_id,
            reason=body.reason,
            traceparent=traceparent,
        )
    return CommentPublic.of(row, show_hidden=True)


# --- co-authors ----------------------------------------------------------------------------------


@engagement_router.post(
    "/{idea_id}/co-authors",
    status_code=201,
    response_model=CoAuthorPublic,
    summary="Invite a co-author",
    **POLICY.route(
        "co_authors.invite",
        description="Authors invite a colleague by person id (known from HR); the colleague "
        "confirms to become an author, who then shares the idea's rewards.",
    ),
    responses={**CREATED, **ERRORS},
)
async def invite(
    idea_id: IdeaIdPath,
    body: CoAuthorCreate,
    principal: Annotated[Principal, require("co_authors.invite")],
    runtime: RuntimeDep,
    settings: SettingsDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    async def work(session: AsyncSession) -> Outcome:
        row = await invite_co_author(
            session,
            settings=settings,
            inviter_id=principal.person_id,
            idea_id=idea_id,
            person_id=body.person_id,
        )
        idea = await load_idea(session, idea_id)
        assert idea is not None
        return Outcome.of(
            201,
            CoAuthorPublic(
                idea_id=idea_id,
                person_id=row.person_id,
                confirmed=False,
                revision=idea.idea.revision,
            ),
            Location=f"/ideas/{idea_id}/co-authors/{row.person_id}",
        )

    return await run_idempotent(
        runtime,
        caller=staff_caller(principal.person_id),
        key=idempotency_key,
        operation=f"POST /ideas/{idea_id}/co-authors",
        content=body.model_dump(),
        work=work,
    )


@engagement_router.post(
    "/{idea_id}/co-authors/{person_id}/confirm",
    response_model=CoAuthorPublic,
    summary="Accept an invitation to co-author",
    **POLICY.route(
        "co_authors.confirm",
        description="Only the invited person. After submission this makes a new revision and emits "
        "IdeaUpdated; confirming again changes nothing.",
    ),
    responses=ERRORS,
)
async def confirm(
    idea_id: IdeaIdPath,
    person_id: IdeaIdPath,
    principal: Annotated[Principal, require("co_authors.confirm")],
    runtime: RuntimeDep,
    traceparent: TraceparentDep,
) -> CoAuthorPublic:
    if person_id != principal.person_id:
        raise ForbiddenObject("Only the invited person can accept the invitation.")
    async with runtime.db.transaction() as session:
        row, idea = await confirm_co_author(
            session,
            outbox=runtime.outbox,
            person_id=person_id,
            idea_id=idea_id,
            traceparent=traceparent,
        )
    return CoAuthorPublic(
        idea_id=idea_id, person_id=row.person_id, confirmed=True, revision=idea.revision
    )


@engagement_router.delete(
    "/{idea_id}/co-authors/{person_id}",
    status_code=204,
    summary="Decline or withdraw an invitation",
    **POLICY.route(
        "co_authors.remove",
        description="The invited person declines, or an author withdraws the invitation. Confirmed "
        "authors cannot be removed.",
    ),
    responses=ERRORS,
)
async def uninvite(
    idea_id: IdeaIdPath,
    person_id: IdeaIdPath,
    principal: Annotated[Principal, require("co_authors.remove")],
    runtime: RuntimeDep,
) -> None:
    async with runtime.db.transaction() as session:
        await remove_co_author(
            session, actor_id=principal.person_id, idea_id=idea_id, person_id=person_id
        )


# --- attachments ---------------------------------------------------------------------------------


@uploads_router.post(
    "/{idea_id}/attachments",
    status_code=201,
    response_model=AttachmentPublic,
    summary="Attach a file to an idea",
    **POLICY.route(
        "attachments.add",
        description="Authors only, while the idea is under review. Allowed types are recognised by "
        "their content (PDF, images, text, office documents); size and count are limited (413, "
        "415, 409). No virus scanner is configured unless IDEAPAJA_INTAKE_ATTACHMENT_SCANNER is "
        "set: such files are marked not_scanned.",
    ),
    responses={**CREATED, **ERRORS, 413: PROBLEM_SCHEMA, 415: PROBLEM_SCHEMA},
)
async def upload(
    idea_id: IdeaIdPath,
    file: Annotated[UploadFile, File(description="The file")],
    principal: Annotated[Principal, require("attachments.add")],
    runtime: RuntimeDep,
    settings: SettingsDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    data = await file.read(settings.attachment_max_bytes + 1)
    accepted = await accept_file(
        settings,
        runtime.extras.get("attachment_scanner"),
        filename=file.filename or "",
        declared_type=file.content_type or "",
        data=data,
    )

    async def work(session: AsyncSession) -> Outcome:
        row = await store_attachment(
            session,
            settings,
            person_id=principal.person_id,
            idea_id=idea_id,
            accepted=accepted,
        )
        return Outcome.of(
            201,
            AttachmentPublic.of(row),
            Location=f"/ideas/{idea_id}/attachments/{row.id}",
        )

    return await run_idempotent(
        runtime,
        caller=staff_caller(principal.person_id),
        key=idempotency_key,
        operation=f"POST /ideas/{idea_id}/attachments",
        content={"filename": accepted.checked.filename, "sha256": _digest(accepted.data)},
        work=work,
    )


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@uploads_router.get(
    "/{idea_id}/attachments/{attachment_id}",
    response_class=Response,
    summary="Download an attachment",
    **POLICY.route(
        "attachments.read",
        description="For whoever may see the idea (its authors, reviewers, and colleagues while "
        "the idea is public). Always a download, never shown inline.",
    ),
    responses={200: {"content": {"application/octet-stream": {}}}, 404: PROBLEM_SCHEMA},
)
async def download(
    idea_id: IdeaIdPath,
    attachment_id: IdeaIdPath,
    principal: Annotated[Principal, require("attachments.read")],
    runtime: RuntimeDep,
) -> Response:
    async with runtime.db.transaction() as session:
        record = await load_idea(session, idea_id)
        row = await load_attachment(session, idea_id, attachment_id)
    if record is None or row is None:
        raise AttachmentNotFound(f"No attachment {attachment_id}.")
    if IdeaStatus(record.idea.status) not in PUBLIC_STATUSES:
        await viewable_record(runtime, idea_id, principal)
    return Response(
        row.data,
        media_type=row.content_type,
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(row.filename)}",
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "Cache-Control": "private, no-store",
        },
    )
