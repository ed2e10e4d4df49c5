"""Which committee reviews an idea, and who sits on it (used by routing and by meetings)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ideapaja_review.db import org
from ideapaja_review.db.models import CommitteeMemberRow, CommitteeRow
from ideapaja_review.domain.committee import MemberRole
from ideapaja_review.domain.rules import RoutingRule


async def committee_for(session: AsyncSession, rule: RoutingRule) -> CommitteeRow | None:
    """The rule's committee, else the city-wide (development) committee, else None."""
    if rule.committee_id is not None:
        named = await session.get(CommitteeRow, rule.committee_id)
        if named is not None:
            return named
    result: CommitteeRow | None = await session.scalar(
        select(CommitteeRow)
        .where(CommitteeRow.city_wide.is_(True))
        .order_by(CommitteeRow.created_at, CommitteeRow.committee_id)
        .limit(1)
    )
    return result


async def member_roles(session: AsyncSession, committee_id: str) -> dict[str, MemberRole]:
    rows = await session.scalars(
        select(CommitteeMemberRow).where(CommitteeMemberRow.committee_id == committee_id)
    )
    return {row.person_id: MemberRole(row.role) for row in rows.all()}


async def active_member_ids(session: AsyncSession, committee_id: str) -> list[str]:
    """Members still in the city's service (HR's PersonLeft removes nobody from the roster,
    but a person who left reviews nothing)."""
    inactive = await org.inactive_ids(session)
    return sorted(p for p in await member_roles(session, committee_id) if p not in inactive)


async def committees_of(session: AsyncSession, person_id: str) -> dict[str, MemberRole]:
    rows = await session.scalars(
        select(CommitteeMemberRow).where(CommitteeMemberRow.person_id == person_id)
    )
    return {row.committee_id: MemberRole(row.role) for row in rows.all()}
