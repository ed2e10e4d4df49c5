"""Reading the ledger, grants and unit activity, with the object checks the policy table asks
for (someone else's ledger, another unit's activity)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, and_, func, select

from ideapaja_reward.authz import POLICY
from ideapaja_reward.db.models import LedgerEntry, RewardGrant, RewardIdea
from ideapaja_reward.db.queries import points_sum
from ideapaja_reward.schemas import (
    GrantPublic,
    LedgerEntryData,
    LedgerEntryPublic,
    LedgerPublic,
    UnitActivityPublic,
    UnitLedgerPublic,
)
from ideapaja_reward.usecases import activity
from ideapaja_runtime.authz import Scope
from ideapaja_runtime.clock import as_utc
from ideapaja_runtime.errors import ForbiddenObject
from ideapaja_runtime.pagination import Page, PageRequest, paginate
from ideapaja_runtime.uow import UnitOfWork

L = TypeVar("L", LedgerPublic, UnitLedgerPublic)


async def someones_ledger(uow: UnitOfWork[Any], person_id: str, page: PageRequest) -> LedgerPublic:
    """A person's ledger: one's own, or anyone's for HR, reward approvers and admins."""
    person = uow.person
    if POLICY["ledger.read"].scope_for(person) is Scope.OWN and person_id != person.person_id:
        raise ForbiddenObject("Only HR, reward approvers and admins read other people's ledgers")
    return await person_ledger(uow, person_id, page)


async def person_ledger(uow: UnitOfWork[Any], person_id: str, page: PageRequest) -> LedgerPublic:
    """A person's total, and a page of their entries, newest first, with their ideas' titles."""
    return await _ledger(uow, LedgerPublic, person_id, LedgerEntry.person_id == person_id, page)


async def unit_ledger(uow: UnitOfWork[Any], unit_id: str, page: PageRequest) -> UnitLedgerPublic:
    """A unit's own points (not its people's), newest first; supervisors see their own units'."""
    _unit_in_scope(uow, "unit_ledger.read", unit_id)
    own = and_(LedgerEntry.unit_id == unit_id, LedgerEntry.person_id.is_(None))
    return await _ledger(uow, UnitLedgerPublic, unit_id, own, page)


async def _ledger(
    uow: UnitOfWork[Any],
    shape: type[L],
    holder_id: str,
    whose: ColumnElement[bool],
    page: PageRequest,
) -> L:
    """``holder_id``'s ledger: the total of the entries ``whose`` selects (always the sum of all
    of them), and a page of them, newest first, with their ideas' titles."""
    session = uow.session
    total_points = await points_sum(session, whose)
    entries, total, next_cursor = await paginate(
        session,
        select(LedgerEntry).where(whose),
        keys=[LedgerEntry.created_at.expression, LedgerEntry.entry_id.expression],
        page=page,
    )
    ideas = select(RewardIdea.idea_id, RewardIdea.title).where(
        RewardIdea.idea_id.in_({entry.idea_id for entry in entries})
    )
    titles = {idea_id: title for idea_id, title in (await session.execute(ideas)).all()}
    items = [
        LedgerEntryPublic(
            **LedgerEntryData.of(entry).model_dump(), idea_title=titles.get(entry.idea_id)
        )
        for entry in entries
    ]
    return shape(
        id=holder_id,
        total_points=total_points,
        items=items,
        total=total,
        limit=page.limit,
        next_cursor=next_cursor,
    )


def _unit_in_scope(uow: UnitOfWork[Any], action: str, unit_id: str) -> None:
    person = uow.person
    if POLICY[action].scope_for(person) is Scope.UNIT and unit_id not in person.unit_ids:
        raise ForbiddenObject("Supervisors see the activity of their own units only")


async def grants(
    uow: UnitOfWork[Any], page: PageRequest, *, granted_from: datetime | None = None
) -> Page[GrantPublic]:
    """Grants oldest first (as HR/payroll reconciles them), from ``granted_from`` on."""
    query = select(RewardGrant)
    if granted_from is not None:
        # Compared in UTC, as every grant time is stored; a time without a zone is taken as UTC.
        query = query.where(RewardGrant.granted_at >= as_utc(granted_from))
    rows, total, next_cursor = await paginate(
        uow.session,
        query,
        keys=[RewardGrant.granted_at.expression, RewardGrant.grant_id.expression],
        page=page,
        descending=False,
    )
    return Page(
        items=[GrantPublic.of(grant) for grant in rows],
        total=total,
        limit=page.limit,
        next_cursor=next_cursor,
    )


async def unit_activity(uow: UnitOfWork[Any], unit_id: str) -> UnitActivityPublic:
    """A unit's activity since the start; supervisors see only their own units' (and those
    below them)."""
    await activity.check_unit(uow, unit_id)
    submitted, accepted, implemented = (
        await uow.session.execute(
            select(
                func.count(),
                func.count(RewardIdea.accepted_at),
                func.count(RewardIdea.implemented_at),
            ).where(RewardIdea.unit_id == unit_id)
        )
    ).one()
    points, people = (
        await uow.session.execute(
            select(
                func.coalesce(func.sum(LedgerEntry.points), 0),
                func.count(func.distinct(LedgerEntry.person_id)),
            ).where(LedgerEntry.unit_id == unit_id)
        )
    ).one()
    return UnitActivityPublic(
        unit_id=unit_id,
        ideas_submitted=int(submitted),
        ideas_accepted=int(accepted),
        ideas_implemented=int(implemented),
        points_awarded=int(points),
        people_rewarded=int(people),
    )
