"""Ideas as colleagues see them: every submitted idea that is not withdrawn."""

from __future__ import annotations

from ideapaja_intake.api.deps import IdeaIdPath, IntakeUow, ListFilters
from ideapaja_intake.authz import POLICY
from ideapaja_intake.schemas.ideas import ColleagueIdeaPublic, IdeaSummary
from ideapaja_intake.usecases import ideas
from ideapaja_runtime.pagination import Page, PageParams
from ideapaja_runtime.problems import PROBLEM_SCHEMA
from ideapaja_runtime.routes import service_router

router = service_router(prefix="/public/ideas", tags=["public"])


@router.get(
    "",
    response_model=Page[IdeaSummary],
    summary="Ideas colleagues see: every submitted idea that is not withdrawn",
    **POLICY.route(
        "public.list",
        description="Any staff member. A unit's ideas: ?unit_id= (a department includes its "
        "units). Filters: status, scope, category, submission dates, language, full-text q "
        "(Finnish and Swedish inflections match). Newest first (ties by id).",
    ),
)
async def public_ideas(uow: IntakeUow, filters: ListFilters, page: PageParams) -> Page[IdeaSummary]:
    return await ideas.list_public_ideas(uow, filters, page, IdeaSummary.model_validate)


@router.get(
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
async def public_idea(idea_id: IdeaIdPath, uow: IntakeUow) -> ColleagueIdeaPublic:
    record, supported = await ideas.public_idea(uow, idea_id)
    return ColleagueIdeaPublic.of(record, uow.person.person_id, supported=supported)
