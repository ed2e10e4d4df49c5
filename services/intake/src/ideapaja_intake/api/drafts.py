"""Drafts: ideas being written, private to their author, submitted when complete."""

from __future__ import annotations

from fastapi import Request, Response

from ideapaja_intake.api.deps import CREATED, REFUSALS, DraftIdPath, IntakeUow
from ideapaja_intake.api.ideas import created_idea
from ideapaja_intake.api.idempotency import Idempotent, Outcome
from ideapaja_intake.api.routing import LimitedBodyRoute
from ideapaja_intake.authz import POLICY
from ideapaja_intake.domain.submission import IdeaDraft as DraftInput
from ideapaja_intake.schemas.ideas import DraftPublic, IdeaPublic
from ideapaja_intake.usecases import drafts
from ideapaja_runtime.iplimits import SUBMISSIONS, counted_if_accepted
from ideapaja_runtime.pagination import Page, PageParams
from ideapaja_runtime.routes import service_router

router = service_router(prefix="/drafts", tags=["drafts"], route_class=LimitedBodyRoute)


@router.post(
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
async def save_draft(draft: DraftInput, uow: IntakeUow, idempotent: Idempotent) -> Response:
    async def work() -> Outcome:
        row = await drafts.create_draft(uow, draft)
        return Outcome.of(201, DraftPublic.of(row), Location=f"/drafts/{row.id}")

    return await idempotent.run(uow, draft.model_dump(mode="json"), work)


@router.get(
    "",
    response_model=Page[DraftPublic],
    summary="My drafts, most recently saved first",
    **POLICY.route("drafts.read"),
)
async def my_drafts(uow: IntakeUow, page: PageParams) -> Page[DraftPublic]:
    return await drafts.my_drafts(uow, page, DraftPublic.of)


@router.get(
    "/{draft_id}",
    response_model=DraftPublic,
    summary="Read my draft",
    responses=REFUSALS,
    **POLICY.route("drafts.read"),
)
async def read_draft(draft_id: DraftIdPath, uow: IntakeUow) -> DraftPublic:
    return DraftPublic.of(await drafts.own_draft(uow, draft_id))


@router.put(
    "/{draft_id}",
    response_model=DraftPublic,
    summary="Replace my draft",
    responses=REFUSALS,
    **POLICY.route("drafts.write"),
)
async def update_draft(draft_id: DraftIdPath, draft: DraftInput, uow: IntakeUow) -> DraftPublic:
    return DraftPublic.of(await drafts.replace_draft(uow, draft_id, draft))


@router.delete(
    "/{draft_id}",
    status_code=204,
    summary="Throw my draft away",
    responses=REFUSALS,
    **POLICY.route("drafts.write"),
)
async def delete_draft(draft_id: DraftIdPath, uow: IntakeUow) -> None:
    await drafts.delete_draft(uow, draft_id)


@router.post(
    "/{draft_id}/submit",
    status_code=201,
    response_model=IdeaPublic,
    summary="Submit my draft",
    **POLICY.route(
        "drafts.submit",
        description="The draft must now be complete (422 names what is missing); it becomes the "
        "idea of the same id, emitting IdeaSubmitted. Limited like POST /ideas.",
    ),
    responses={**CREATED, **REFUSALS},
)
async def submit_my_draft(
    draft_id: DraftIdPath, request: Request, uow: IntakeUow, idempotent: Idempotent
) -> Response:
    async def work() -> Outcome:
        record = await drafts.submit_draft(uow, draft_id)
        return created_idea(record, uow.person.person_id)

    async with counted_if_accepted(request, SUBMISSIONS):
        return await idempotent.run(uow, {}, work)
