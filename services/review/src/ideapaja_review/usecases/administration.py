"""Operating review: routing rules per department and the change-agent network. Both can give
reviewers to cases that found nobody, so both route the waiting cases again."""

from __future__ import annotations

from typing import Any

from ideapaja_contracts.events.hr import UnitKind
from ideapaja_review.db import network, org, rules_store
from ideapaja_review.db.models import AssignedReviewerRow, CommitteeRow, RoutingRuleRow
from ideapaja_review.domain.rules import DEFAULT_RULE_ID
from ideapaja_review.errors import InvalidInput, NotFound
from ideapaja_review.settings import ReviewWork
from ideapaja_review.usecases import case_routing


async def save_rule(
    uow: ReviewWork, department_id: str, overrides: dict[str, Any], committee_id: str | None
) -> RoutingRuleRow:
    """Store a department's rule (or the city's ``default``) and route the waiting cases again
    under it."""
    session = uow.session
    if department_id != DEFAULT_RULE_ID and (
        await org.unit_kind(session, department_id) is not UnitKind.DEPARTMENT
    ):
        raise InvalidInput("department_id", f"{department_id} is not a department known from HR.")
    if committee_id is not None and await session.get(CommitteeRow, committee_id) is None:
        raise InvalidInput("committee_id", f"No committee {committee_id}.")
    row = await rules_store.save_rule(
        session, department_id, overrides, actor_id=uow.person.person_id, now=uow.now
    )
    # Units whose ideas found nobody may have reviewers under the new rule.
    await case_routing.route_unrouted(uow)
    return row


async def delete_rule(uow: ReviewWork, department_id: str) -> None:
    deleted = await rules_store.delete_rule(
        uow.session, department_id, actor_id=uow.person.person_id, now=uow.now
    )
    if not deleted:
        raise NotFound(f"No stored rule for {department_id}.", what="Rule")


async def assign_reviewer(
    uow: ReviewWork, *, unit_id: str, person_id: str, role: str
) -> AssignedReviewerRow:
    """An admin makes someone a change agent (or supervisor) of a unit, besides HR's roles; the
    unit's waiting cases are routed again."""
    session = uow.session
    if not await org.unit_exists(session, unit_id):
        raise InvalidInput("unit_id", f"Unknown unit {unit_id}.")
    if person_id in await org.inactive_ids(session):
        raise InvalidInput("person_id", f"{person_id} has left the city's service.")
    row = await network.assign(
        session,
        unit_id=unit_id,
        person_id=person_id,
        role=role,
        actor_id=uow.person.person_id,
        now=uow.now,
    )
    await case_routing.route_unrouted(uow)
    return row


async def unassign_reviewer(uow: ReviewWork, *, unit_id: str, person_id: str) -> None:
    removed = await network.unassign(
        uow.session,
        unit_id=unit_id,
        person_id=person_id,
        actor_id=uow.person.person_id,
        now=uow.now,
    )
    if not removed:
        raise NotFound(f"{person_id} is not assigned to {unit_id}.", what="Assignment")
