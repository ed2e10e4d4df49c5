"""HTTP API: people's points, HR's reconciliation feed and units' activity."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query

from ideapaja_contracts.base import ID_PATTERN
from ideapaja_reward import queries
from ideapaja_reward.schemas import GrantsPage, LedgerOut, UnitActivityOut
from ideapaja_runtime.auth import CurrentPrincipal, Principal, require_roles
from ideapaja_runtime.deps import RuntimeDep
from ideapaja_runtime.problems import Problem

LEDGER_READERS = ("hr", "reward_approver", "admin")
GRANT_READERS = ("hr", "admin")
ACTIVITY_READERS = ("management", "admin", "supervisor")
# Supervisors see their own units only; these roles see every unit.
CITY_WIDE_ACTIVITY_READERS = ("management", "admin")

PersonId = Annotated[str, Path(pattern=ID_PATTERN, max_length=64, examples=["p-1001"])]
UnitId = Annotated[str, Path(pattern=ID_PATTERN, max_length=64, examples=["u-kirjasto"])]
Limit = Annotated[int, Query(ge=1, le=500, description="How many entries at most")]

router = APIRouter(tags=["rewards"])


@router.get(
    "/ledger/me",
    summary="My points: total and latest ledger entries",
    response_model=LedgerOut,
)
async def read_my_ledger(
    principal: CurrentPrincipal, runtime: RuntimeDep, limit: Limit = 100
) -> LedgerOut:
    async with runtime.db.transaction() as session:
        return await queries.person_ledger(session, principal.person_id, limit)


@router.get(
    "/ledger/{person_id}",
    summary="A person's points: total and latest ledger entries (HR, reward approvers, admins)",
    response_model=LedgerOut,
)
async def read_person_ledger(
    person_id: PersonId, principal: CurrentPrincipal, runtime: RuntimeDep, limit: Limit = 100
) -> LedgerOut:
    if person_id != principal.person_id and not principal.has_any(*LEDGER_READERS):
        raise Problem(
            403,
            "Forbidden",
            f"Only the person themselves or one of the roles {', '.join(LEDGER_READERS)} "
            "may read a ledger",
        )
    async with runtime.db.transaction() as session:
        return await queries.person_ledger(session, person_id, limit)


@router.get(
    "/grants",
    summary="Rewards granted since a moment, oldest first (HR/payroll reconciliation)",
    response_model=GrantsPage,
)
async def list_grants(
    runtime: RuntimeDep,
    _principal: Annotated[Principal, require_roles(*GRANT_READERS)],
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
)
async def read_unit_activity(
    unit_id: UnitId,
    runtime: RuntimeDep,
    principal: Annotated[Principal, require_roles(*ACTIVITY_READERS)],
) -> UnitActivityOut:
    if not principal.has_any(*CITY_WIDE_ACTIVITY_READERS) and unit_id not in principal.unit_ids:
        raise Problem(403, "Forbidden", "Supervisors see the activity of their own units only")
    async with runtime.db.transaction() as session:
        return await queries.unit_activity(session, unit_id)
