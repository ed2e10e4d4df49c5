"""What the whole organisation may read: experiment results and good practices, and units
reporting that they adopted a practice."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Query, Response

from ideapaja_contracts.events.progress import ExperimentOutcome
from ideapaja_review.api.deps import (
    MAX_OFFSET,
    NOT_FOUND,
    PathId,
    ReviewUow,
)
from ideapaja_review.authz import POLICY
from ideapaja_review.schemas.progress import (
    AdoptionBody,
    ExperimentPage,
    ExperimentPublic,
    PracticePage,
    PracticePublic,
)
from ideapaja_review.usecases import experimenting, good_practices
from ideapaja_runtime.routes import service_router

router = service_router(tags=["open results"])

IdQuery = Annotated[str | None, Query(pattern=r"^[A-Za-z0-9_-]{1,64}$")]


@router.get(
    "/experiments",
    summary="Experiments and their results, open to every employee",
    response_model=ExperimentPage,
    **POLICY.route("experiments.read"),
)
async def list_experiments(
    uow: ReviewUow,
    status: Literal["running", "completed"] | None = None,
    outcome: ExperimentOutcome | None = None,
    unit_id: Annotated[
        str | None, Query(description="Piloted in this unit", pattern=r"^[A-Za-z0-9_-]{1,64}$")
    ] = None,
    idea_id: IdQuery = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> ExperimentPage:
    session = uow.session
    rows, total = await experimenting.list_experiments(
        session,
        status=status,
        outcome=outcome,
        unit_id=unit_id,
        idea_id=idea_id,
        limit=limit,
        offset=offset,
    )
    return ExperimentPage(
        items=[ExperimentPublic.of(e, c) for e, c in rows], total=total, limit=limit, offset=offset
    )


@router.get(
    "/experiments/{experiment_id}",
    summary="One experiment: hypothesis, measure, baseline, period, results, lesson",
    response_model=ExperimentPublic,
    responses=NOT_FOUND,
    **POLICY.route("experiments.read"),
)
async def read_experiment(
    experiment_id: PathId,
    uow: ReviewUow,
) -> ExperimentPublic:
    session = uow.session
    experiment, case = await experimenting.get_experiment(session, experiment_id)
    return ExperimentPublic.of(experiment, case)


@router.get(
    "/practices",
    summary="Good practices, newest first, with the units that adopted them",
    response_model=PracticePage,
    **POLICY.route("practices.read"),
)
async def list_practices(
    uow: ReviewUow,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> PracticePage:
    session = uow.session
    rows, total = await good_practices.list_practices(session, limit=limit, offset=offset)
    return PracticePage(
        items=[PracticePublic.of(p, a) for p, a in rows], total=total, limit=limit, offset=offset
    )


@router.get(
    "/practices/{practice_id}",
    summary="One good practice with its adoptions",
    response_model=PracticePublic,
    responses=NOT_FOUND,
    **POLICY.route("practices.read"),
)
async def read_practice(
    practice_id: PathId,
    uow: ReviewUow,
) -> PracticePublic:
    session = uow.session
    practice, adoptions = await good_practices.get_practice(session, practice_id)
    return PracticePublic.of(practice, adoptions)


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
    practice_id: PathId,
    body: AdoptionBody,
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
