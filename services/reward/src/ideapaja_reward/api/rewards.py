"""HTTP API: people's points, HR's reconciliation feed and units' activity."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Query

from ideapaja_reward.api.deps import Limit, PersonId, RewardUow, UnitId
from ideapaja_reward.authz import POLICY
from ideapaja_reward.schemas import GrantsPage, LedgerPublic, UnitActivityPublic
from ideapaja_reward.usecases import reads
from ideapaja_runtime.routes import service_router

router = service_router(tags=["rewards"])


@router.get(
    "/ledger/me",
    summary="My points: total and latest ledger entries",
    response_model=LedgerPublic,
    **POLICY.route("ledger.read_own"),
)
async def read_my_ledger(uow: RewardUow, limit: Limit = 100) -> LedgerPublic:
    return await reads.person_ledger(uow, uow.person.person_id, limit)


@router.get(
    "/ledger/{person_id}",
    summary="A person's points: total and latest ledger entries (HR, reward approvers, admins)",
    response_model=LedgerPublic,
    **POLICY.route("ledger.read"),
)
async def read_person_ledger(
    person_id: PersonId, uow: RewardUow, limit: Limit = 100
) -> LedgerPublic:
    return await reads.someones_ledger(uow, person_id, limit)


@router.get(
    "/grants",
    summary="Rewards granted since a moment, oldest first (HR/payroll reconciliation)",
    response_model=GrantsPage,
    **POLICY.route("grants.read"),
)
async def list_grants(
    uow: RewardUow,
    since: Annotated[
        datetime | None,
        Query(description="ISO 8601 time, inclusive; without a zone it is taken as UTC"),
    ] = None,
    limit: Limit = 100,
) -> GrantsPage:
    return await reads.grants_since(uow, since, limit)


@router.get(
    "/units/{unit_id}/activity",
    summary="A unit's ideas submitted, accepted and implemented, and points awarded",
    response_model=UnitActivityPublic,
    **POLICY.route("activity.read"),
)
async def read_unit_activity(unit_id: UnitId, uow: RewardUow) -> UnitActivityPublic:
    return await reads.unit_activity(uow, unit_id)
