"""HTTP API: submit, edit, withdraw and read ideas; drafts; lists, search, similar ideas and the
reporting export; units and categories for the forms."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Query, Request, Response
from fastapi.responses import StreamingResponse
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ideapaja_contracts.base import ID_PATTERN
from ideapaja_contracts.events.hr import UnitKind
from ideapaja_contracts.events.idea import Channel, Scope
from ideapaja_intake.authz import POLICY, require
from ideapaja_intake.db.ideas import IdeaRecord, load_idea, versions_of
from ideapaja_intake.db.models import IdeaDraft as DraftRow
from ideapaja_intake.db.org import list_units, unit_and_children
from ideapaja_intake.db.search import (
    IdeaFilter,
    InvalidCursor,
    confirmed_authors_of,
    encode_cursor,
    filter_condition,
    list_ideas,
    similar_candidates,
)
from ideapaja_intake.domain.export import ExportRow, csv_lines
from ideapaja_intake.domain.search import idea_similarity
from ideapaja_intake.domain.status import IdeaStatus
from ideapaja_intake.domain.submission import IdeaDraft as DraftInput
from ideapaja_intake.domain.submission import IdeaEdit, IdeaSubmission
from ideapaja_intake.domain.visibility import (
    REPORTING_ROLES,
    REVIEWER_ROLES,
    can_view_idea,
    exported_author_ids,
    is_reviewer,
    is_staff,
)
from ideapaja_intake.editing import (
    create_draft,
    edit_idea,
    own_draft,
    replace_draft,
    submit_draft,
    withdraw_idea,
)
from ideapaja_intake.errors import ChannelClosed, ForbiddenObject, IdeaNotFound, InvalidInput
from ideapaja_intake.http import LimitedBodyRoute, SettingsDep, staff_caller
from ideapaja_intake.idempotency import Outcome, run_idempotent
from ideapaja_intake.schemas.catalogue import Catalogue, UnitPublic
from ideapaja_intake.schemas.ideas import (
    DraftPublic,
    IdeaPage,
    IdeaPublic,
    IdeaSummary,
    ListParams,
    SimilarIdeaPublic,
    VersionPublic,
    WithdrawalCreate,
)
from ideapaja_intake.settings import IntakeSettings
from ideapaja_intake.submissions import (
    PendingSubmission,
    Submitter,
    submission_content,
    submission_writer,
    submit_idea,
)
from ideapaja_runtime.auth import Principal
from ideapaja_runtime.deps import RuntimeDep, TraceparentDep
from ideapaja_runtime.iplimits import SUBMISSIONS, enforce_ip_limit
from ideapaja_runtime.problems import PROBLEM_SCHEMA

ideas_router = APIRouter(prefix="/ideas", tags=["ideas"], route_class=LimitedBodyRoute)
drafts_router = APIRouter(prefix="/drafts", tags=["drafts"], route_class=LimitedBodyRoute)
reports_router = APIRouter(prefix="/reports", tags=["reports"])
units_router = APIRouter(prefix="/units", tags=["units"])
categories_router = APIRouter(prefix="/categories", tags=["units"])

IdeaIdPath = Annotated[str, Path(pattern=ID_PATTERN, max_length=64)]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=255,
        description="Repeat a request safely: the same key and body return the first answer",
    ),
]
CREATED: dict[int | str, dict[str, Any]] = {
    201: {"headers": {"Location": {"description": "URL of the new resource"}}}
}
ERRORS: dict[int | str, dict[str, Any]] = {
    404: PROBLEM_SCHEMA,
    409: PROBLEM_SCHEMA,
    429: PROBLEM_SCHEMA,
}


def idea_location(idea_id: str) -> str:
    return f"/ideas/{idea_id}"


def created_idea(record: IdeaRecord, viewer_id: str) -> Outcome:
    return Outcome.of(201, IdeaPublic.of(record, viewer_id), Location=idea_location(record.idea.id))


# --- submitting ----------------------------------------------------------------------------------


@ideas_router.post(
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
    responses={**CREATED, **ERRORS},
)
async def create_idea(
    submission: IdeaSubmission,
    principal: Annotated[Principal, require("ideas.submit")],
    runtime: RuntimeDep,
    settings: SettingsDep,
    traceparent: TraceparentDep,
    request: Request,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    submitter = Submitter(principal.person_id, principal.unit_ids)
    # Counted once the request is authenticated and valid, before anything is stored.
    await enforce_ip_limit(request, SUBMISSIONS)
    if idempotency_key is None:
        # Without a key, submissions arriving together are committed together (group commit).
        pending = PendingSubmission(submitter, submission, Channel.API, traceparent)
        record = await submission_writer(runtime).submit(pending)
        return created_idea(record, principal.person_id).response()

    async def work(session: AsyncSession) -> Outcome:
        record = await submit_idea(
            session,
            settings=settings,
            outbox=runtime.outbox,
            submitter=submitter,
            submission=submission,
            channel=Channel.API,
            traceparent=traceparent,
        )
        return created_idea(record, principal.person_id)

    return await run_idempotent(
        runtime,
        caller=staff_caller(principal.person_id),
        key=idempotency_key,
        operation="POST /ideas",
        content=submission_content(submission),
        work=work,
    )


# --- similar ideas (before /{idea_id}, which would match "similar") -------------------------------


@ideas_router.get(
    "/similar",
    response_model=list[SimilarIdeaPublic],
    summary="Existing ideas like the one being typed",
    **POLICY.route(
        "ideas.similar",
        description="For the submission form: ideas whose title or text resemble ``text`` (trigram "
        "similarity of titles and shared word stems), best first, so an author can support an "
        "existing idea instead of writing a duplicate.",
    ),
)
async def similar_ideas(
    principal: Annotated[Principal, require("ideas.similar")],
    runtime: RuntimeDep,
    settings: SettingsDep,
    text: Annotated[str, Query(min_length=3, max_length=500)],
    language: Annotated[str, Query(pattern="^(fi|sv|en)$")] = "fi",
    limit: Annotated[int, Query(ge=1, le=20)] = 5,
) -> list[SimilarIdeaPublic]:
    trigram_index = bool(runtime.extras.get("pg_trgm"))
    async with runtime.db.transaction() as session:
        candidates = await similar_candidates(session, text, trigram_index=trigram_index)
    scored = [
        (
            idea_similarity(
                text,
                title=idea.title,
                body=f"{idea.problem}\n{idea.solution}\n{idea.benefit}",
                language=idea.language or language,
            ),
            idea,
        )
        for idea in candidates
    ]
    best = sorted(
        (pair for pair in scored if pair[0] >= settings.similar_min_score),
        key=lambda pair: (-pair[0], pair[1].id),
    )[:limit]
    return [
        SimilarIdeaPublic(
            id=idea.id,
            title=idea.title,
            status=idea.status,
            unit_id=idea.unit_id,
            support_count=idea.support_count,
            score=score,
        )
        for score, idea in best
    ]


# --- reading -------------------------------------------------------------------------------------


async def viewable_record(runtime: RuntimeDep, idea_id: str, principal: Principal) -> IdeaRecord:
    """The idea for its authors (invited co-authors included) and reviewers; 404 / 403."""
    async with runtime.db.transaction() as session:
        record = await load_idea(session, idea_id)
    if record is None:
        raise IdeaNotFound(idea_id)
    involved = [*record.author_ids, *record.invited_ids]
    if not can_view_idea(principal.person_id, principal.roles, involved):
        raise ForbiddenObject("Only the authors and reviewers may read this idea.")
    return record


@ideas_router.get(
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
async def read_idea(
    idea_id: IdeaIdPath, principal: Annotated[Principal, require("ideas.read")], runtime: RuntimeDep
) -> IdeaPublic:
    record = await viewable_record(runtime, idea_id, principal)
    return IdeaPublic.of(record, principal.person_id)


async def idea_filter(session: AsyncSession, params: ListParams, **fixed: object) -> IdeaFilter:
    units = await unit_and_children(session, params.unit_id) if params.unit_id else []
    return IdeaFilter(
        statuses=[s.value for s in params.status],
        scope=params.scope.value if params.scope else None,
        unit_ids=units,
        category=params.category,
        submitted_from=params.submitted_from,
        submitted_to=params.submitted_to,
        query=params.q,
        **fixed,  # type: ignore[arg-type]
    )


async def idea_page(
    runtime: RuntimeDep,
    params: ListParams,
    *,
    limit: int,
    offset: int,
    cursor: str | None,
    **fixed: object,
) -> IdeaPage:
    async with runtime.db.transaction() as session:
        filters = await idea_filter(session, params, **fixed)
        try:
            ideas, total = await list_ideas(
                session, limit=limit, offset=offset, filters=filters, cursor=cursor
            )
        except InvalidCursor as exc:
            raise InvalidInput("cursor", str(exc), kind="cursor") from exc
    next_cursor = encode_cursor(ideas[-1]) if len(ideas) == limit else None
    return IdeaPage(
        items=[IdeaSummary.of(idea) for idea in ideas],
        total=total,
        limit=limit,
        offset=offset,
        next_cursor=next_cursor,
    )


Limit = Annotated[int, Query(ge=1, le=100)]
Offset = Annotated[int, Query(ge=0, le=100_000, description="Older clients; prefer cursor")]
Cursor = Annotated[str | None, Query(max_length=200, description="next_cursor of the last page")]
Statuses = Annotated[list[IdeaStatus], Query(max_length=20)]
Day = Annotated[date | None, Query()]
UnitFilter = Annotated[
    str | None,
    Query(pattern=ID_PATTERN, max_length=64, description="A unit, or a department with its units"),
]
CategoryFilter = Annotated[str | None, Query(pattern=r"^[a-z0-9_-]{1,40}$")]
SearchText = Annotated[
    str | None,
    Query(min_length=1, max_length=200, description="Full-text search, Finnish and Swedish"),
]


@ideas_router.get(
    "",
    response_model=IdeaPage,
    summary="List ideas, newest first",
    **POLICY.route(
        "ideas.list",
        description="mine=true: the caller's own ideas. Otherwise all submitted ideas, "
        "for reviewers only. Filters: status, scope, unit (a department includes its units), "
        "category, submission dates and full-text q; cursor pagination.",
    ),
)
async def read_ideas(
    principal: Annotated[Principal, require("ideas.list")],
    runtime: RuntimeDep,
    mine: Annotated[bool, Query(description="Only the caller's own ideas")] = False,
    status: Statuses = [],  # noqa: B006 - FastAPI copies query defaults
    scope: Scope | None = None,
    unit_id: UnitFilter = None,
    category: CategoryFilter = None,
    submitted_from: Day = None,
    submitted_to: Day = None,
    q: SearchText = None,
    limit: Limit = 20,
    offset: Offset = 0,
    cursor: Cursor = None,
) -> IdeaPage:
    if not mine and not is_reviewer(principal.roles):
        raise ForbiddenObject("Listing all ideas needs a reviewer role; use mine=true for yours.")
    params = ListParams(
        status=status,
        scope=scope,
        unit_id=unit_id,
        category=category,
        submitted_from=submitted_from,
        submitted_to=submitted_to,
        q=q,
    )
    return await idea_page(
        runtime,
        params,
        limit=limit,
        offset=offset,
        cursor=cursor,
        author_id=principal.person_id if mine else None,
    )


# --- editing -------------------------------------------------------------------------------------


@ideas_router.put(
    "/{idea_id}",
    response_model=IdeaPublic,
    summary="Edit a submitted idea (a new version)",
    **POLICY.route(
        "ideas.edit",
        description="Authors only, while the idea is submitted or needs_info. ``revision`` names "
        "the version edited (409 if another edit came first). Each edit keeps the previous "
        "version (GET …/versions) and emits IdeaUpdated; an edit that changes nothing is a no-op.",
    ),
    responses=ERRORS,
)
async def update_idea(
    idea_id: IdeaIdPath,
    edit: IdeaEdit,
    principal: Annotated[Principal, require("ideas.edit")],
    runtime: RuntimeDep,
    settings: SettingsDep,
    traceparent: TraceparentDep,
) -> IdeaPublic:
    async with runtime.db.transaction() as session:
        record = await edit_idea(
            session,
            settings=settings,
            outbox=runtime.outbox,
            editor_id=principal.person_id,
            idea_id=idea_id,
            edit=edit,
            traceparent=traceparent,
        )
    return IdeaPublic.of(record, principal.person_id)


@ideas_router.get(
    "/{idea_id}/versions",
    response_model=list[VersionPublic],
    summary="Every version of an idea's text",
    **POLICY.route(
        "ideas.read",
        description="For the authors and reviewers; who edited an anonymous idea is shown by its "
        "pseudonym to everyone but its authors.",
    ),
    responses={404: PROBLEM_SCHEMA},
)
async def read_versions(
    idea_id: IdeaIdPath, principal: Annotated[Principal, require("ideas.read")], runtime: RuntimeDep
) -> list[VersionPublic]:
    record = await viewable_record(runtime, idea_id, principal)
    async with runtime.db.transaction() as session:
        versions = await versions_of(session, idea_id)
    named = not record.idea.anonymous or principal.person_id in record.author_ids
    return [
        VersionPublic.of(row, edited_by=row.edited_by if named else record.idea.author_ref)
        for row in versions
    ]


@ideas_router.post(
    "/{idea_id}/withdraw",
    response_model=IdeaPublic,
    summary="Withdraw an idea",
    **POLICY.route(
        "ideas.withdraw",
        description="Authors only, until a final decision. Emits IdeaWithdrawn; the idea leaves "
        "the public list. Withdrawing is final.",
    ),
    responses=ERRORS,
)
async def withdraw(
    idea_id: IdeaIdPath,
    body: WithdrawalCreate,
    principal: Annotated[Principal, require("ideas.withdraw")],
    runtime: RuntimeDep,
    traceparent: TraceparentDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    async def work(session: AsyncSession) -> Outcome:
        record = await withdraw_idea(
            session,
            outbox=runtime.outbox,
            person_id=principal.person_id,
            idea_id=idea_id,
            reason=body.reason,
            traceparent=traceparent,
        )
        return Outcome.of(200, IdeaPublic.of(record, principal.person_id))

    return await run_idempotent(
        runtime,
        caller=staff_caller(principal.person_id),
        key=idempotency_key,
        operation=f"POST /ideas/{idea_id}/withdraw",
        content=body.model_dump(),
        work=work,
    )


# --- drafts --------------------------------------------------------------------------------------


@drafts_router.post(
    "",
    status_code=201,
    response_model=DraftPublic,
    summary="Save a draft",
    **POLICY.route(
        "drafts.write",
        description="Only the title is needed; everything else may come later. Drafts are private "
        "to their author and emit no events.",
    ),
    responses=CREATED,
)
async def save_draft(
    draft: DraftInput,
    principal: Annotated[Principal, require("drafts.write")],
    runtime: RuntimeDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    async def work(session: AsyncSession) -> Outcome:
        row = await create_draft(session, principal.person_id, draft)
        return Outcome.of(201, DraftPublic.of(row), Location=f"/drafts/{row.id}")

    return await run_idempotent(
        runtime,
        caller=staff_caller(principal.person_id),
        key=idempotency_key,
        operation="POST /drafts",
        content=draft.model_dump(mode="json"),
        work=work,
    )


@drafts_router.get(
    "",
    response_model=list[DraftPublic],
    summary="My drafts, newest first",
    **POLICY.route("drafts.read"),
)
async def my_drafts(
    principal: Annotated[Principal, require("drafts.read")], runtime: RuntimeDep
) -> list[DraftPublic]:
    async with runtime.db.transaction() as session:
        rows = await session.scalars(
            select(DraftRow)
            .where(DraftRow.owner_id == principal.person_id)
            .order_by(DraftRow.updated_at.desc(), DraftRow.id)
            .limit(100)
        )
        return [DraftPublic.of(row) for row in rows]


@drafts_router.get(
    "/{draft_id}",
    response_model=DraftPublic,
    summary="Read my draft",
    responses=ERRORS,
    **POLICY.route("drafts.read"),
)
async def read_draft(
    draft_id: IdeaIdPath,
    principal: Annotated[Principal, require("drafts.read")],
    runtime: RuntimeDep,
) -> DraftPublic:
    async with runtime.db.transaction() as session:
        return DraftPublic.of(await own_draft(session, draft_id, principal.person_id))


@drafts_router.put(
    "/{draft_id}",
    response_model=DraftPublic,
    summary="Replace my draft",
    responses=ERRORS,
    **POLICY.route("drafts.write"),
)
async def update_draft(
    draft_id: IdeaIdPath,
    draft: DraftInput,
    principal: Annotated[Principal, require("drafts.write")],
    runtime: RuntimeDep,
) -> DraftPublic:
    async with runtime.db.transaction() as session:
        row = await replace_draft(session, draft_id, principal.person_id, draft)
        return DraftPublic.of(row)


@drafts_router.delete(
    "/{draft_id}",
    status_code=204,
    summary="Throw my draft away",
    responses=ERRORS,
    **POLICY.route("drafts.write"),
)
async def delete_draft(
    draft_id: IdeaIdPath,
    principal: Annotated[Principal, require("drafts.write")],
    runtime: RuntimeDep,
) -> None:
    async with runtime.db.transaction() as session:
        await session.delete(await own_draft(session, draft_id, principal.person_id))


@drafts_router.post(
    "/{draft_id}/submit",
    status_code=201,
    response_model=IdeaPublic,
    summary="Submit my draft",
    **POLICY.route(
        "drafts.submit",
        description="The draft must now be complete (422 names what is missing); it becomes the "
        "idea of the same id, emitting IdeaSubmitted. Limited like POST /ideas.",
    ),
    responses={**CREATED, **ERRORS},
)
async def submit_my_draft(
    draft_id: IdeaIdPath,
    principal: Annotated[Principal, require("drafts.submit")],
    runtime: RuntimeDep,
    settings: SettingsDep,
    traceparent: TraceparentDep,
    request: Request,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    await enforce_ip_limit(request, SUBMISSIONS)

    async def work(session: AsyncSession) -> Outcome:
        record = await submit_draft(
            session,
            settings=settings,
            outbox=runtime.outbox,
            submitter=Submitter(principal.person_id, principal.unit_ids),
            draft_id=draft_id,
            traceparent=traceparent,
        )
        return created_idea(record, principal.person_id)

    return await run_idempotent(
        runtime,
        caller=staff_caller(principal.person_id),
        key=idempotency_key,
        operation=f"POST /drafts/{draft_id}/submit",
        content={},
        work=work,
    )


# --- reporting -----------------------------------------------------------------------------------


@reports_router.get(
    "/ideas.csv",
    response_class=StreamingResponse,
    summary="Export ideas as CSV for reporting",
    **POLICY.route(
        "reports.export",
        description="For "
        + ", ".join(REPORTING_ROLES)
        + ". One row per idea with the same filters as the lists; anonymous ideas have no authors "
        "in the file. Cells that a spreadsheet would run as formulas are prefixed with '.",
    ),
    responses={200: {"content": {"text/csv": {}}}},
)
async def export_ideas(
    principal: Annotated[Principal, require("reports.export")],
    runtime: RuntimeDep,
    settings: SettingsDep,
    status: Statuses = [],  # noqa: B006 - FastAPI copies query defaults
    scope: Scope | None = None,
    unit_id: UnitFilter = None,
    category: CategoryFilter = None,
    submitted_from: Day = None,
    submitted_to: Day = None,
    q: SearchText = None,
) -> StreamingResponse:
    params = ListParams(
        status=status,
        scope=scope,
        unit_id=unit_id,
        category=category,
        submitted_from=submitted_from,
        submitted_to=submitted_to,
        q=q,
    )
    async with runtime.db.transaction() as session:
        filters = await idea_filter(session, params)
        condition = filter_condition(session, filters)
        ideas, _ = await list_ideas(session, limit=settings.export_max_rows, filters=filters)
        authors = await confirmed_authors_of(session, condition)
    rows = [
        ExportRow(
            id=idea.id,
            submitted_at=idea.submitted_at,
            status=idea.status,
            status_changed_at=idea.status_changed_at,
            scope=idea.scope,
            unit_id=idea.unit_id,
            category=idea.category,
            benefit_kinds=list(idea.benefit_kinds or []),
            channel=idea.channel,
            external=idea.external,
            anonymous=idea.anonymous,
            author_ids=exported_author_ids(
                anonymous=idea.anonymous, author_ids=authors.get(idea.id, [])
            ),
            team_unit_id=idea.team_unit_id,
            supports=idea.support_count,
            comments=idea.comment_count,
            revision=idea.revision,
            rewarded=idea.rewarded,
            language=idea.language,
            title=idea.title,
        )
        for idea in ideas
    ]
    return StreamingResponse(
        csv_lines(rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="ideas.csv"'},
    )


# --- units and categories ------------------------------------------------------------------------


def for_citizen_form(principal: Principal, settings: IntakeSettings) -> None:
    """Citizens read units and categories for the citizen channel's form: not while it is
    closed (like the channel's own routes)."""
    if not is_staff(principal.roles) and not settings.citizen_channel_enabled:
        raise ChannelClosed


@units_router.get(
    "",
    response_model=list[UnitPublic],
    summary="Units and departments an idea can concern (as HR describes them)",
    **POLICY.route("units.read"),
)
async def read_units(
    principal: Annotated[Principal, require("units.read")],
    runtime: RuntimeDep,
    settings: SettingsDep,
    kind: Annotated[UnitKind | None, Query(description="Only units or only departments")] = None,
) -> list[UnitPublic]:
    for_citizen_form(principal, settings)
    async with runtime.db.transaction() as session:
        units = await list_units(session, kind.value if kind else None)
    return [UnitPublic.of(unit) for unit in units]


@categories_router.get(
    "",
    response_model=Catalogue,
    summary="Idea categories and benefit kinds, with names in Finnish, Swedish and English",
    **POLICY.route("categories.read"),
)
async def read_categories(
    principal: Annotated[Principal, require("categories.read")], settings: SettingsDep
) -> Catalogue:
    for_citizen_form(principal, settings)
    return Catalogue.of(list(settings.categories))
