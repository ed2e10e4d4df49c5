"""The citizen channel (off unless the city opens it: then 404)."""

from __future__ import annotations

from fastapi import Request, Response

from ideapaja_intake.api.deps import CREATED, REFUSALS, IdeaIdPath, IntakeUow
from ideapaja_intake.api.idempotency import Idempotent, Outcome
from ideapaja_intake.api.routing import LimitedBodyRoute
from ideapaja_intake.authz import POLICY
from ideapaja_intake.db.idempotency import citizen_caller
from ideapaja_intake.schemas.channels import (
    CitizenIdeaCreate,
    CitizenIdeaPublic,
    CitizenIdeaSummary,
)
from ideapaja_intake.usecases import citizens
from ideapaja_runtime.iplimits import SUBMISSIONS, counted_if_accepted
from ideapaja_runtime.pagination import Page, PageParams
from ideapaja_runtime.problems import PROBLEM_SCHEMA
from ideapaja_runtime.routes import service_router

router = service_router(prefix="/citizen/ideas", tags=["citizens"], route_class=LimitedBodyRoute)


@router.post(
    "",
    status_code=201,
    response_model=CitizenIdeaPublic,
    summary="Submit an idea as a citizen or customer",
    **POLICY.route(
        "citizen.submit",
        description="Only when IDEAPAJA_INTAKE_CITIZEN_CHANNEL_ENABLED (404 otherwise) and for "
        "tokens with the citizen role. The idea is marked external (channel citizen) and shown to "
        "staff by pseudonym only; the citizen sees only their own ideas, without internal data. "
        "Limited per citizen and per client address (429 with Retry-After).",
    ),
    responses={**CREATED, **REFUSALS},
)
async def citizen_submit(
    body: CitizenIdeaCreate, request: Request, uow: IntakeUow, idempotent: Idempotent
) -> Response:
    caller = citizen_caller(citizens.citizen_of(uow))

    async def work() -> Outcome:
        record = await citizens.submit_citizen_idea(uow, body)
        return Outcome.of(
            201, CitizenIdeaPublic.of(record), Location=f"/citizen/ideas/{record.idea.id}"
        )

    async with counted_if_accepted(request, SUBMISSIONS):
        return await idempotent.run(uow, body.model_dump(), work, caller=caller)


@router.get(
    "",
    response_model=Page[CitizenIdeaSummary],
    summary="My ideas as a citizen, newest first",
    # 404 while the citizen channel is not open, as every route of the channel.
    responses={404: PROBLEM_SCHEMA},
    **POLICY.route("citizen.read"),
)
async def citizen_ideas(uow: IntakeUow, page: PageParams) -> Page[CitizenIdeaSummary]:
    return await citizens.my_citizen_ideas(uow, page, CitizenIdeaSummary.model_validate)


@router.get(
    "/{idea_id}",
    response_model=CitizenIdeaPublic,
    summary="My idea as a citizen, with its status and timeline",
    responses={404: PROBLEM_SCHEMA},
    **POLICY.route("citizen.read"),
)
async def citizen_idea(idea_id: IdeaIdPath, uow: IntakeUow) -> CitizenIdeaPublic:
    return CitizenIdeaPublic.of(await citizens.my_citizen_idea(uow, idea_id))
