"""HTTP API: people's points, HR's reconciliation feed and units' activity."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query

from ideapaja_contracts.base import ID_PATTERN
from ideapaja_reward import queries
from ideapaja_reward.authz import POLICY
from ideapaja_reward.schemas import GrantsPage, LedgerOut, UnitActivityOut
from ideapaja_runtime.auth import Principal
from ideapaja_runtime.authz import Scope, forbidden_object
from ideapaja_runtime.deps import RuntimeDep

PersonId = Annotated[str, Path(pattern=ID_PATTERN, max_length=64, examples=["p-1001"])]
UnitId = Annotated[str, Path(pattern=ID_PATTERN, max_length=64, examples=["u-kirjasto"])]
Limit = Annotated[int, Query(ge=1, le=500, description="How many entries at most")]

router = APIRouter(tags=["rewards"])


@router.get(
    "/ledger/me",
    summary="My points: total and latest ledger entries",
    response_model=LedgerOut,
    **POLICY.route("ledger.read_own"),
)
async def read_my_ledger(
    runtime: RuntimeDep,
    principal: Annotated[Principal, POLICY.require("ledger.read_own")],
    limit: Limit = 100,
) -> LedgerOut:
    async with runtime.db.transaction() as session:
        return await queries.person_ledger(session, principal.person_id, limit)


@router.get(
    "/ledger/{person_id}",
    summary="A person's points: total and latest ledger entries (HR, reward approvers, admins)",
    response_model=LedgerOut,
    **POLICY.route("ledger.read"),
)
async def read_person_ledger(
    person_id: PersonId,
    runtime: RuntimeDep,
    principal: Annotated[Principal, POLICY.require("ledger.read")],
    limit: Limit = 100,
) -> LedgerOut:
    POLICY["ledger.read"].check_person(
        principal, person_id, "Only HR, reward approvers and admins read other people's ledgers"
    )
    async with runtime.db.transaction() as session:
        return await queries.person_ledger(session, person_id, limit)


@router.get(
    "/grants",
    summary="Rewards granted since a moment, oldest first (HR/payroll reconciliation)",
    response_model=GrantsPage,
    **POLICY.route("grants.read"),
)
async def list_grants(
    runtime: RuntimeDep,
    _principal: Annotated[Principal, POLICY.require("grants.read")],
    since: Annotated[
        datetime | None,
        Query(description="ISO 8601 time, inclusive; without a zone it is taken as UTC"),
    ] = None,
    limit: Limit = 100,
) -> GrantsPage:
    async with runtime.db.transaction() as session:
        return await queries.grants_since(session, since, limit)


@router.get(
    "/units/{unit_id}/activity",
    summary="A unit's ideas submitted, accepted and implemented, and points awarded",
    response_model=UnitActivityOut,
    **POLICY.route("activity.read"),
)
async def read_unit_activity(
    unit_id: UnitId,
    runtime: RuntimeDep,
    principal: Annotated[Principal, POLICY.require("activity.read")],
) -> UnitActivityOut:
    if (
        POLICY["activity.read"].scope_for(principal) is Scope.UNIT
        and unit_id not in principal.unit_ids
    ):
        raise forbidden_object("Supervisors see the activity of their own units only")
    async with runtime.db.transaction() as session:
        return await queries.unit_activity(session, unit_id)
