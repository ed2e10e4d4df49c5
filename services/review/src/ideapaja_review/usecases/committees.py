"""Committees: members with roles and a weighted rubric, at most one city-wide committee, and who
may read their meetings."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ideapaja_review.authz import POLICY
from ideapaja_review.db import audit, committee_roster
from ideapaja_review.db.models import (
    CommitteeMemberRow,
    CommitteeRow,
)
from ideapaja_review.domain import committee as rules
from ideapaja_review.domain.access import ADMIN
from ideapaja_review.domain.committee import Criterion, MemberRole
from ideapaja_review.errors import InvalidInput, NotAllowed, NotFound, Refused
from ideapaja_review.settings import ReviewWork
from ideapaja_review.usecases import case_routing
from ideapaja_runtime.auth import Principal
from ideapaja_runtime.authz import Scope as ReadScope
from ideapaja_runtime.pagination import Page, PageRequest, page_from, paginate

R = TypeVar("R")

PLANNED = "planned"


PLANNED = "planned"
CLOSED = "closed"


CLOSED = "closed"
# History actions on a case handled in a meeting (besides its decision).
AGENDA_ADDED = "agenda_added"


AGENDA_ADDED = "agenda_added"
DEFERRED = "deferred"


def criteria_of(data: Sequence[Mapping[str, Any]]) -> tuple[Criterion, ...]:
    return tuple(Criterion(**dict(c)) for c in data)


def criteria_data(criteria: Sequence[Criterion]) -> list[dict[str, Any]]:
    return [
        {
            "key": c.key,
            "weight": c.weight,
            "label_fi": c.label_fi,
            "label_sv": c.label_sv,
            "label_en": c.label_en,
        }
        for c in criteria
    ]


async def create_committee(
    uow: ReviewWork,
    *,
    name: str,
    city_wide: bool,
    quorum: int,
    criteria: Sequence[Criterion] | None,
) -> CommitteeRow:
    session = uow.session
    rubric = tuple(criteria) if criteria else rules.DEFAULT_CRITERIA
    errors = rules.rubric_errors(rubric)
    if errors:
        raise InvalidInput("criteria", "; ".join(errors))
    if city_wide:
        await _refuse_second_city_wide(session, None)
    committee = CommitteeRow(
        committee_id=f"k-{uuid.uuid4().hex[:12]}",
        name=name,
        city_wide=city_wide,
        quorum=quorum,
        criteria=criteria_data(rubric),
        created_at=uow.now,
    )
    session.add(committee)
    audit.record_by(
        uow,
        "committee_created",
        f"committee:{committee.committee_id}",
        {"name": name, "city_wide": city_wide, "quorum": quorum},
    )
    await session.flush()
    # City ideas that went to everyone with the committee_member role now go to the committee.
    await case_routing.route_again(uow)
    return committee


async def _refuse_second_city_wide(session: AsyncSession, committee_id: str | None) -> None:
    other = await session.scalar(
        select(CommitteeRow.committee_id).where(
            CommitteeRow.city_wide.is_(True), CommitteeRow.committee_id != (committee_id or "")
        )
    )
    if other is not None:
        raise Refused("City-wide committee exists", f"{other} is the city-wide committee already.")


async def get_committee(session: AsyncSession, committee_id: str) -> CommitteeRow:
    committee = await session.get(CommitteeRow, committee_id)
    if committee is None:
        raise NotFound(f"No committee {committee_id}.", what="Committee")
    return committee


async def list_committees(
    session: AsyncSession,
    page: PageRequest,
    *,
    item: Callable[[CommitteeRow, dict[str, MemberRole]], R],
) -> Page[R]:
    """Committees in the order they were created (ties by id), each shown with its members: one
    page."""
    rows, total, next_cursor = await paginate(
        session,
        select(CommitteeRow),
        keys=[CommitteeRow.created_at, CommitteeRow.committee_id],
        page=page,
        descending=False,
    )
    members = await committee_roster.member_roles_of(session, [c.committee_id for c in rows])
    return page_from(
        page, rows, total, next_cursor, item=lambda c: item(c, members.get(c.committee_id, {}))
    )


async def update_committee(
    uow: ReviewWork,
    committee_id: str,
    *,
    name: str | None,
    city_wide: bool | None,
    quorum: int | None,
    criteria: Sequence[Criterion] | None,
) -> CommitteeRow:
    """Admins change anything; the chair may change the rubric. Meetings already called keep
    the rubric and quorum they started with."""
    actor = uow.person
    session = uow.session
    committee = await get_committee(session, committee_id)
    if ADMIN not in actor.roles:
        role = (await committee_roster.member_roles(session, committee_id)).get(actor.person_id)
        if role is not MemberRole.CHAIR or name is not None or city_wide is not None:
            raise NotAllowed("Only admins change a committee; its chair may change the rubric.")
        if quorum is not None:
            raise NotAllowed("Only admins change the quorum.")
    changes: dict[str, Any] = {}
    if criteria is not None:
        errors = rules.rubric_errors(criteria)
        if errors:
            raise InvalidInput("criteria", "; ".join(errors))
        committee.criteria = criteria_data(criteria)
        changes["criteria"] = committee.criteria
    if city_wide:
        await _refuse_second_city_wide(session, committee_id)
    for field, value in (("name", name), ("city_wide", city_wide), ("quorum", quorum)):
        if value is not None:
            setattr(committee, field, value)
            changes[field] = value
    audit.record_by(uow, "committee_updated", f"committee:{committee_id}", changes)
    await session.flush()
    if city_wide is not None:
        await case_routing.route_again(uow)
    return committee


async def set_member(
    uow: ReviewWork,
    committee_id: str,
    person_id: str,
    role: MemberRole,
) -> CommitteeRow:
    """Add or change a member. A committee has one chair and one secretary: naming a new one
    makes the previous one a member. The committee."""
    session = uow.session
    committee = await get_committee(session, committee_id)
    members = {
        row.person_id: row
        for row in (
            await session.scalars(
                select(CommitteeMemberRow).where(CommitteeMemberRow.committee_id == committee_id)
            )
        ).all()
    }
    if role in (MemberRole.CHAIR, MemberRole.SECRETARY):
        for other in members.values():
            if other.role == role.value and other.person_id != person_id:
                other.role = MemberRole.MEMBER.value
    row = members.get(person_id)
    if row is None:
        session.add(
            CommitteeMemberRow(committee_id=committee_id, person_id=person_id, role=role.value)
        )
    else:
        row.role = role.value
    audit.record_by(
        uow,
        "committee_member_set",
        f"committee:{committee_id}",
        {"person_id": person_id, "role": role.value},
    )
    await session.flush()
    # City ideas that waited for a committee can be routed now; its cases follow its members.
    await case_routing.route_again(uow)
    return committee


async def remove_member(
    uow: ReviewWork,
    committee_id: str,
    person_id: str,
) -> None:
    session = uow.session
    row = await session.get(CommitteeMemberRow, (committee_id, person_id))
    if row is None:
        raise NotFound(f"{person_id} is not on {committee_id}.", what="Member")
    audit.record_by(
        uow,
        "committee_member_removed",
        f"committee:{committee_id}",
        {"person_id": person_id, "role": row.role},
    )
    await session.delete(row)
    await session.flush()
    await case_routing.route_again(uow)


async def check_may_read(session: AsyncSession, committee_id: str, reader: Principal) -> None:
    """Admins and management read every committee's meetings; others only their own
    committee's (also for the minutes of a meeting not closed yet)."""
    if POLICY["committees.meetings.read"].scope_for(reader) is ReadScope.ANY:
        return
    if reader.person_id in await committee_roster.member_roles(session, committee_id):
        return
    raise NotAllowed("Only the committee's members (and admins, management) see this.")
