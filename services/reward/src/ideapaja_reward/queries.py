"""Reading the ledger, grants and unit activity for the HTTP API."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ideapaja_reward.db.models import LedgerEntry, RewardGrant, RewardIdea
from ideapaja_reward.domain import amount_from_cents
from ideapaja_reward.schemas import (
    GrantOut,
    GrantsPage,
    LedgerEntryOut,
    LedgerOut,
    UnitActivityOut,
)


def utc(moment: datetime) -> datetime:
    """SQLite hands timestamps back without a zone; every stored time is UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


async def person_ledger(session: AsyncSession, person_id: str, limit: int) -> LedgerOut:
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
        LedgerEntryOut(
            entry_id=entry.entry_id,
            idea_id=entry.idea_id,
            idea_title=title,
            unit_id=entry.unit_id,
            rule=entry.rule,
            points=entry.points,
            reason=entry.reason,
            occurred_at=utc(entry.occurred_at),
            created_at=utc(entry.created_at),
        )
        for entry, title in rows.all()
    ]
    return LedgerOut(
        person_id=person_id, total_points=int(total), entry_count=int(count), entries=entries
    )


async def grants_since(session: AsyncSession, since: datetime | None, limit: int) -> GrantsPage:
    query = select(RewardGrant).order_by(RewardGrant.granted_at, RewardGrant.grant_id)
    if since is not None:
        # Compared in UTC, as every grant time is stored; a time without a zone is taken as UTC.
        query = query.where(RewardGrant.granted_at >= utc(since))
    # One extra row tells whether another page follows.
    grants = list((await session.scalars(query.limit(limit + 1))).all())
    has_more = len(grants) > limit
    grants = grants[:limit]
    return GrantsPage(
        grants=[
            GrantOut(
                grant_id=grant.grant_id,
                idea_id=grant.idea_id,
                person_id=grant.person_id,
                kind=grant.kind,
                amount=amount_from_cents(grant.amount_cents),
                currency=grant.currency,
                points=grant.points,
                reason=grant.reason,
                granted_at=utc(grant.granted_at),
            )
            for grant in grants
        ],
        has_more=has_more,
        next_since=utc(grants[-1].granted_at) if grants else None,
    )


async def unit_activity(session: AsyncSession, unit_id: str) -> UnitActivityOut:
    submitted, accepted, implemented = (
        await session.execute(
            select(
                func.count(),
                func.count(RewardIdea.accepted_at),
                func.count(RewardIdea.implemented_at),
            ).where(RewardIdea.unit_id == unit_id)
        )
    ).one()
    points, people = (
        await session.execute(
            select(
                func.coalesce(func.sum(LedgerEntry.points), 0),
                func.count(func.distinct(LedgerEntry.person_id)),
            ).where(LedgerEntry.unit_id == unit_id)
        )
    ).one()
    return UnitActivityOut(
        unit_id=unit_id,
        ideas_submitted=int(submitted),
        ideas_accepted=int(accepted),
        ideas_implemented=int(implemented),
        points_awarded=int(points),
        people_rewarded=int(people),
    )
