"""What the whole organisation may read: experiment results and good practices, and units
reporting that they adopted a practice."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Query, Response

from ideapaja_contracts.events.progress import ExperimentOutcome
from ideapaja_review.api.deps import (
    NOT_FOUND,
    ExperimentId,
    PracticeId,
    ReviewUow,
)
from ideapaja_review.authz import POLICY
from ideapaja_review.schemas.progress import (
    AdoptionCreate,
    ExperimentPublic,
    PracticePublic,
)
from ideapaja_review.usecases import experimenting, good_practices
from ideapaja_runtime.pagination import Page, PageParams
from ideapaja_runtime.routes import service_router

router = service_router(tags=["open results"])

ID = r"^[A-Za-z0-9_-]{1,64}$"


@router.get(
    "/experiments",
    summary="Experiments and their results, newest first, open to every employee",
    response_model=Page[ExperimentPublic],
    **POLICY.route("experiments.read"),
)
async def list_experiments(
    uow: ReviewUow,
    page: PageParams,
    status: Annotated[
        Literal["running", "completed"] | None, Query(description="Only experiments in this status")
    ] = None,
    outcome: Annotated[
        ExperimentOutcome | None, Query(description="Only completed experiments with this outcome")
    ] = None,
    unit_id: Annotated[
        str | None, Query(description="Only those piloted in this unit", pattern=ID)
    ] = None,
    idea_id: Annotated[
        str | None, Query(description="Only experiments of this idea", pattern=ID)
    ] = None,
) -> Page[ExperimentPublic]:
    return await experimenting.list_experiments(
        uow.session,
        page,
        item=ExperimentPublic.of,
        status=status,
        outcome=outcome,
        unit_id=unit_id,
        idea_id=idea_id,
    )


@router.get(
    "/experiments/{experiment_id}",
    summary="One experiment: hypothesis, measure, baseline, period, results, lesson",
    response_model=ExperimentPublic,
    responses=NOT_FOUND,
    **POLICY.route("experiments.read"),
)
async def read_experiment(
    experiment_id: ExperimentId,
    uow: ReviewUow,
) -> ExperimentPublic:
    return ExperimentPublic.of(*await experimenting.get_experiment(uow.session, experiment_id))


@router.get(
    "/practices",
    summary="Good practices, newest first, with the units that adopted them",
    response_model=Page[PracticePublic],
    **POLICY.route("practices.read"),
)
async def list_practices(uow: ReviewUow, page: PageParams) -> Page[PracticePublic]:
    return await good_practices.list_practices(uow.session, page, item=PracticePublic.of)


@router.get(
    "/practices/{practice_id}",
    summary="One good practice with its adoptions",
    response_model=PracticePublic,
    responses=NOT_FOUND,
    **POLICY.route("practices.read"),
)
async def read_practice(
    practice_id: PracticeId,
    uow: ReviewUow,
) -> PracticePublic:
    return PracticePublic.of(*await good_practices.get_practice(uow.session, practice_id))


@router.post(
    "/practices/{practice_id}/adoptions",
    summary="Report that a unit adopted the practice (its supervisor or change agent, admin); "
    "201 the first time, 200 on a repeat",
    response_model=PracticePublic,
    status_code=201,
    responses={**NOT_FOUND, 200: {"description": "Already reported; nothing changed"}},
    **POLICY.route("practices.adopt"),
)
async def adopt_practice(
    practice_id: PracticeId,
    body: AdoptionCreate,
    response: Response,
    uow: ReviewUow,
) -> PracticePublic:
    session = uow.session
    _, created = await good_practices.adopt(
        uow,
        practice_id,
        unit_id=body.unit_id,
        note=body.note,
        actor_unit_ids=uow.person.unit_ids,
    )
    practice, adoptions = await good_practices.get_practice(session, practice_id)
    if not created:
        response.status_code = 200
    return PracticePublic.of(practice, adoptions)
