"""Reading awards: the list (with "awaiting me"), one award with its trail, and who may see the
recipients of an anonymous idea's award (its chain's people and HR; nobody else)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, exists, not_, or_, select

from ideapaja_reward.authz import POLICY
from ideapaja_reward.award_schemas import AwardDetail, AwardPublic
from ideapaja_reward.db.models import AwardRow, AwardStepRow, RewardIdea
from ideapaja_reward.domain.awards import SUPERVISOR, AwardStatus
from ideapaja_reward.usecases.awards import find_award, trail
from ideapaja_runtime.auth import Principal
from ideapaja_runtime.authz import Role, Scope
from ideapaja_runtime.errors import ForbiddenObject
from ideapaja_runtime.pagination import Page, PageRequest, paginate
from ideapaja_runtime.uow import UnitOfWork

# Who see every award's recipients, an anonymous idea's too (HR pays them).
SEE_RECIPIENTS = (Role.HR, Role.ADMIN)


def shows_recipients(person: Principal, award: AwardRow, anonymous: bool) -> bool:
    """An anonymous idea's recipients only for the proposer, the chain's roles and HR."""
    if not anonymous or person.has_any(*SEE_RECIPIENTS) or person.person_id == award.proposed_by:
        return True
    return any(
        role in person.roles and (role != SUPERVISOR or award.unit_id in person.unit_ids)
        for role in award.approval_roles
    )


def _unit_scoped(uow: UnitOfWork[Any]) -> bool:
    return POLICY["awards.read"].scope_for(uow.person) is Scope.UNIT


def _awaiting(query: Select[Any], person: Principal) -> Select[Any]:
    """Pending awards whose waiting step this person may decide."""
    roles = [role for role in person.roles if role != SUPERVISOR]
    own_units = (AwardRow.next_role == SUPERVISOR) & AwardRow.unit_id.in_(person.unit_ids)
    decided_before = exists().where(
        AwardStepRow.award_id == AwardRow.award_id, AwardStepRow.decided_by == person.person_id
    )
    waiting_for_me: ColumnElement[bool] = AwardRow.next_role.in_(roles)
    if SUPERVISOR in person.roles:
        waiting_for_me = or_(waiting_for_me, own_units)
    return query.where(
        AwardRow.status == AwardStatus.PENDING.value,
        waiting_for_me,
        AwardRow.proposed_by != person.person_id,
        not_(decided_before),
    )


async def list_awards(
    uow: UnitOfWork[Any],
    page: PageRequest,
    *,
    status: list[AwardStatus] | None = None,
    idea_id: str | None = None,
    awaiting_me: bool = False,
) -> Page[AwardPublic]:
    """Awards newest first; a supervisor (without a wider role) sees their units' only."""
    person = uow.person
    query = select(AwardRow)
    if _unit_scoped(uow):
        query = query.where(AwardRow.unit_id.in_(person.unit_ids))
    if status:
        query = query.where(AwardRow.status.in_([s.value for s in status]))
    if idea_id is not None:
        query = query.where(AwardRow.idea_id == idea_id)
    if awaiting_me:
        query = _awaiting(query, person)
    rows, total, next_cursor = await paginate(
        uow.session,
        query,
        keys=[AwardRow.proposed_at.expression, AwardRow.award_id.expression],
        page=page,
    )
    anonymous = await _anonymous_ideas(uow, {row.idea_id for row in rows})
    return Page(
        items=[
            AwardPublic.of(
                row, show_recipients=shows_recipients(person, row, row.idea_id in anonymous)
            )
            for row in rows
        ],
        total=total,
        limit=page.limit,
        next_cursor=next_cursor,
    )


async def read_award(uow: UnitOfWork[Any], award_id: str) -> AwardDetail:
    award = await find_award(uow, award_id)
    person = uow.person
    if _unit_scoped(uow) and award.unit_id not in person.unit_ids:
        raise ForbiddenObject("Supervisors see the awards of their own units only")
    anonymous = award.idea_id in await _anonymous_ideas(uow, {award.idea_id})
    return AwardDetail.with_trail(
        award,
        await trail(uow, award.award_id),
        show_recipients=shows_recipients(person, award, anonymous),
    )


async def _anonymous_ideas(uow: UnitOfWork[Any], idea_ids: set[str]) -> set[str]:
    if not idea_ids:
        return set()
    rows = await uow.session.scalars(
        select(RewardIdea.idea_id).where(RewardIdea.idea_id.in_(idea_ids), RewardIdea.anonymous)
    )
    return set(rows.all())
