"""HTTP API: people's points, HR's reconciliation feed and units' activity."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from ideapaja_reward.api.deps import NOT_FOUND, PersonId, RewardUow, UnitId
from ideapaja_reward.authz import POLICY
from ideapaja_reward.schemas import (
    CorrectionCreate,
    GrantPublic,
    LedgerEntryData,
    LedgerPublic,
    UnitActivityPublic,
    UnitLedgerPublic,
)
from ideapaja_reward.usecases import corrections, reads
from ideapaja_runtime.clock import IsoDateTime
from ideapaja_runtime.pagination import Page, PageParams
from ideapaja_runtime.routes import service_router

router = service_router(tags=["rewards"])


@router.get(
    "/ledger/me",
    summary="My points: total, and ledger entries newest first",
    response_model=LedgerPublic,
    **POLICY.route("ledger.read_own"),
)
async def read_my_ledger(uow: RewardUow, page: PageParams) -> LedgerPublic:
    return await reads.person_ledger(uow, uow.person.person_id, page)


@router.post(
    "/ledger/corrections",
    summary="Correct a person's points with a compensating entry (HR, admins)",
    response_model=LedgerEntryData,
    status_code=201,
    responses=NOT_FOUND,
    **POLICY.route(
        "ledger.correct",
        description="The ledger is never edited: the correction is a new entry with its reason "
        "and who made it, announced as `PointsAwarded` (rule `correction`).",
    ),
)
async def correct_points(body: CorrectionCreate, uow: RewardUow) -> LedgerEntryData:
    entry = await corrections.correct(
        uow,
        person_id=body.person_id,
        points=body.points,
        reason=body.reason,
        entry_id=body.entry_id,
        idea_id=body.idea_id,
    )
    return LedgerEntryData.of(entry)


@router.get(
    "/ledger/{person_id}",
    summary="A person's points: total, and ledger entries newest first (HR, reward approvers, "
    "admins)",
    response_model=LedgerPublic,
    **POLICY.route("ledger.read"),
)
async def read_person_ledger(person_id: PersonId, uow: RewardUow, page: PageParams) -> LedgerPublic:
    return await reads.someones_ledger(uow, person_id, page)


@router.get(
    "/grants",
    summary="Rewards granted, oldest first (HR/payroll reconciliation)",
    response_model=Page[GrantPublic],
    **POLICY.route(
        "grants.read",
        description="To fetch only what is new, pass the latest `granted_at` already seen as "
        "`granted_from` (inclusive: grants of that same instant come again, so deduplicate by "
        "`id`) and follow `next_cursor` until it is null.",
    ),
)
async def list_grants(
    uow: RewardUow,
    page: PageParams,
    granted_from: Annotated[
        IsoDateTime | None,
        Query(
            description="Only grants granted at or after this ISO 8601 time (inclusive); "
            "without a zone it is taken as UTC"
        ),
    ] = None,
) -> Page[GrantPublic]:
    return await reads.grants(uow, page, granted_from=granted_from)


@router.get(
    "/units/{unit_id}/activity",
    summary="A unit's ideas submitted, accepted and implemented, and points awarded",
    response_model=UnitActivityPublic,
    **POLICY.route("activity.read"),
)
async def read_unit_activity(unit_id: UnitId, uow: RewardUow) -> UnitActivityPublic:
    return await reads.unit_activity(uow, unit_id)


@router.get(
    "/units/{unit_id}/ledger",
    summary="A unit's own points (practices it spread): total, and entries newest first",
    response_model=UnitLedgerPublic,
    **POLICY.route("unit_ledger.read"),
)
async def read_unit_ledger(unit_id: UnitId, uow: RewardUow, page: PageParams) -> UnitLedgerPublic:
    return await reads.unit_ledger(uow, unit_id, page)
