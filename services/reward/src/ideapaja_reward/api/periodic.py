"""HTTP API: periodic award rounds (idea of the month or of the year, unit of the year) with
their nominations, votes and decision."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query

from ideapaja_reward.api.deps import RewardUow
from ideapaja_reward.authz import POLICY
from ideapaja_reward.domain.periodic import AwardKind, RoundStatus
from ideapaja_reward.schemas_periodic import (
    AwardRoundCreate,
    AwardRoundDetail,
    AwardRoundPublic,
    DecisionCreate,
    NominationCreate,
    VoteCreate,
)
from ideapaja_reward.usecases import periodic, periodic_reads
from ideapaja_runtime.deps import id_path
from ideapaja_runtime.pagination import Page, PageParams
from ideapaja_runtime.problems import PROBLEM_SCHEMA
from ideapaja_runtime.routes import service_router

router = service_router(prefix="/award-rounds", tags=["award-rounds"])

RoundId = Annotated[str, id_path("The award round's id", examples=["ar-0a1b2c3d4e5f60718293"])]
Responses = dict[int | str, dict[str, Any]]
NOT_FOUND: Responses = {404: PROBLEM_SCHEMA}
REFUSALS: Responses = {404: PROBLEM_SCHEMA, 409: PROBLEM_SCHEMA}


@router.post(
    "",
    status_code=201,
    summary="Open a periodic award round",
    response_model=AwardRoundDetail,
    responses={409: PROBLEM_SCHEMA},
    **POLICY.route(
        "award_rounds.open",
        description="One round per award and period (409 for a second). Idea of the month "
        "takes a month (2026-11), the yearly awards a year (2026).",
    ),
)
async def open_round(body: AwardRoundCreate, uow: RewardUow) -> AwardRoundDetail:
    row = await periodic.open_round(uow, body.kind, body.period)
    return await periodic_reads.round_detail(uow, await periodic.find_round(uow, row.round_id))


@router.get(
    "",
    summary="Periodic award rounds, newest first",
    response_model=Page[AwardRoundPublic],
    **POLICY.route("award_rounds.read"),
)
async def list_rounds(
    uow: RewardUow,
    page: PageParams,
    kind: Annotated[AwardKind | None, Query(description="Only rounds of this award")] = None,
    status: Annotated[
        RoundStatus | None, Query(description="Only open or only decided rounds")
    ] = None,
) -> Page[AwardRoundPublic]:
    return await periodic.list_rounds(uow, page, kind=kind, status=status)


@router.get(
    "/{round_id}",
    summary="A round: candidates, nominations, vote counts, the unit ranking",
    response_model=AwardRoundDetail,
    responses=NOT_FOUND,
    **POLICY.route(
        "award_rounds.read",
        description="Nominated ideas show their title, never their authors. Who voted for what "
        "is shown to admins only; everyone sees the counts and their own vote.",
    ),
)
async def read_round(round_id: RoundId, uow: RewardUow) -> AwardRoundDetail:
    return await periodic_reads.round_detail(uow, await periodic.find_round(uow, round_id))


@router.post(
    "/{round_id}/nominations",
    status_code=201,
    summary="Nominate an idea (idea rounds) or a unit (unit of the year)",
    response_model=AwardRoundDetail,
    responses=REFUSALS,
    **POLICY.route(
        "award_rounds.nominate",
        description="An idea must have been submitted in the round's period (Europe/Helsinki); "
        "each person nominates a candidate once per round; only open rounds take nominations.",
    ),
)
async def nominate(round_id: RoundId, body: NominationCreate, uow: RewardUow) -> AwardRoundDetail:
    found = await periodic.nominate(uow, round_id, body, body.reason)
    return await periodic_reads.round_detail(uow, found)


@router.post(
    "/{round_id}/votes",
    status_code=201,
    summary="Vote in a round (one vote per committee member)",
    response_model=AwardRoundDetail,
    responses=REFUSALS,
    **POLICY.route(
        "award_rounds.vote",
        description="For a nominated idea, or a nominated or ranked unit. A second vote is a 409: "
        "change yours with PUT /award-rounds/{round_id}/votes/mine until the round is decided.",
    ),
)
async def vote(round_id: RoundId, body: VoteCreate, uow: RewardUow) -> AwardRoundDetail:
    return await _voted(uow, round_id, body, change=False)


@router.put(
    "/{round_id}/votes/mine",
    summary="Cast or change my vote in an open round",
    response_model=AwardRoundDetail,
    responses=REFUSALS,
    **POLICY.route("award_rounds.vote"),
)
async def change_vote(round_id: RoundId, body: VoteCreate, uow: RewardUow) -> AwardRoundDetail:
    return await _voted(uow, round_id, body, change=True)


async def _voted(
    uow: RewardUow, round_id: str, body: VoteCreate, *, change: bool
) -> AwardRoundDetail:
    found = await periodic.vote(uow, round_id, body, change=change)
    return await periodic_reads.round_detail(uow, found)


@router.post(
    "/{round_id}/decision",
    summary="Decide a round: name the winner, close it and grant the award",
    response_model=AwardRoundDetail,
    responses=REFUSALS,
    **POLICY.route(
        "award_rounds.decide",
        description="The winner is a nominated idea, or a nominated or ranked unit; leave it "
        "out to award the candidate with the most votes (a tie, or no votes, is a 422: name "
        "one). An idea award grants each author a recognition (points from the "
        "IDEAPAJA_REWARD_PERIODIC_POINTS setting) with RewardGranted and PointsAwarded; every "
        "award is announced with PeriodicAwardDecided. Anonymous authors are rewarded, never "
        "named.",
    ),
)
async def decide(round_id: RoundId, body: DecisionCreate, uow: RewardUow) -> AwardRoundDetail:
    await periodic.decide(uow, round_id, body, body.note)
    return await periodic_reads.round_detail(uow, await periodic.find_round(uow, round_id))
