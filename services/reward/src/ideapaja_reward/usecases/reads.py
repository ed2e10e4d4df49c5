"""Reading the ledger, grants and unit activity, with the object checks the policy table asks
for (someone else's ledger, another unit's activity)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from ideapaja_reward.authz import POLICY
from ideapaja_reward.db.models import LedgerEntry, RewardGrant, RewardIdea
from ideapaja_reward.domain import amount_from_cents
from ideapaja_reward.schemas import (
    GrantPublic,
    GrantsPage,
    LedgerEntryPublic,
    LedgerPublic,
    UnitActivityPublic,
)
from ideapaja_runtime.authz import Scope
from ideapaja_runtime.clock import as_utc
from ideapaja_runtime.errors import ForbiddenObject
from ideapaja_runtime.uow import UnitOfWork


async def someones_ledger(uow: UnitOfWork[Any], person_id: str, limit: int) -> LedgerPublic:
    """A person's ledger: one's own, or anyone's for HR, reward approvers and admins."""
    person = uow.person
    if POLICY["ledger.read"].scope_for(person) is Scope.OWN and person_id != person.person_id:
        raise ForbiddenObject("Only HR, reward approvers and admins read other people's ledgers")
    return await person_ledger(uow, person_id, limit)


async def person_ledger(uow: UnitOfWork[Any], person_id: str, limit: int) -> LedgerPublic:
    session = uow.session
    total, count = (
        await session.execute(
            select(func.coalesce(func.sum(LedgerEntry.points), 0), func.count()).where(
                LedgerEntry.person_id == person_id
            )
        )
    ).one()
    rows = await session.execute(
        select(LedgerEntry, RewardIdea.title)
        .outerjoin(RewardIdea, RewardIdea.idea_id == LedgerEntry.idea_id)
        .where(LedgerEntry.person_id == person_id)
        .order_by(LedgerEntry.created_at.desc(), LedgerEntry.entry_id)
        .limit(limit)
    )
    entries = [
        LedgerEntryPublic(
            entry_id=entry.entry_id,
            idea_id=entry.idea_id,
            idea_title=title,
            unit_id=entry.unit_id,
            rule=entry.rule,
            points=entry.points,
            reason=entry.reason,
            occurred_at=entry.occurred_at,
            created_at=entry.created_at,
        )
        for entry, title in rows.all()
    ]
    return LedgerPublic(
        person_id=person_id, total_points=int(total), entry_count=int(count), entries=entries
    )


async def grants_since(uow: UnitOfWork[Any], since: datetime | None, limit: int) -> GrantsPage:
    query = select(RewardGrant).order_by(RewardGrant.granted_at, RewardGrant.grant_id)
    if since is not None:
        # Compared in UTC, as every grant time is stored; a time without a zone is taken as UTC.
        query = query.where(RewardGrant.granted_at >= as_utc(since))
    # One extra row tells whether another page follows.
    grants = list((await uow.session.scalars(query.limit(limit + 1))).all())
    has_more = len(grants) > limit
    grants = grants[:limit]
    return GrantsPage(
        grants=[
            GrantPublic(
                grant_id=grant.grant_id,
                idea_id=grant.idea_id,
                person_id=grant.person_id,
                kind=grant.kind,
                amount=amount_from_cents(grant.amount_cents),
                currency=grant.currency,
                points=grant.points,
                reason=grant.reason,
                granted_at=grant.granted_at,
            )
            for grant in grants
        ],
        has_more=has_more,
        next_since=grants[-1].granted_at if grants else None,
    )


async def unit_activity(uow: UnitOfWork[Any], unit_id: str) -> UnitActivityPublic:
    """A unit's activity; supervisors see only their own units'."""
    person = uow.person
    if POLICY["activity.read"].scope_for(person) is Scope.UNIT and unit_id not in person.unit_ids:
        raise ForbiddenObject("Supervisors see the activity of their own units only")
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
