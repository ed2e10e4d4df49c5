"""Operating review: routing rules per department and the change-agent network. Both can give
reviewers to cases that found nobody, so both route the waiting cases again."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import select

from ideapaja_contracts.events.hr import UnitKind
from ideapaja_review.db import network, org, rules_store
from ideapaja_review.db.models import AssignedReviewerRow, CommitteeRow, RoutingRuleRow
from ideapaja_review.db.network import NetworkMember, Workload
from ideapaja_review.domain.rules import DEFAULT_RULE_ID, RoutingRule, rule_for
from ideapaja_review.errors import InvalidInput, NotFound
from ideapaja_review.settings import ReviewWork
from ideapaja_review.usecases import case_routing
from ideapaja_runtime.pagination import Page, PageRequest, page_of, page_of_computed

R = TypeVar("R")


@dataclass(frozen=True)
class RuleInForce:
    """A department's stored rule (None: nothing stored) and the rule in force after layering
    (built-in → ``default`` → department)."""

    department_id: str
    stored: dict[str, Any] | None
    effective: RoutingRule
    updated_at: datetime | None
    updated_by: str | None


def _in_force(
    department_id: str,
    row: RoutingRuleRow | None,
    stored: dict[str, dict[str, Any]],
    base: RoutingRule,
) -> RuleInForce:
    return RuleInForce(
        department_id=department_id,
        stored=dict(row.rule) if row is not None else None,
        effective=rule_for(department_id, stored, base),
        updated_at=row.updated_at if row is not None else None,
        updated_by=row.updated_by if row is not None else None,
    )


async def stored_rules(
    uow: ReviewWork, page: PageRequest, *, item: Callable[[RuleInForce], R]
) -> Page[R]:
    """Every stored rule by department id, with its effect: one page."""
    session = uow.session
    stored = await rules_store.stored_rules(session)
    base = uow.settings.builtin_rule()
    return await page_of(
        session,
        select(RoutingRuleRow),
        keys=[RoutingRuleRow.department_id],
        page=page,
        item=lambda row: item(_in_force(row.department_id, row, stored, base)),
        descending=False,
    )


async def rule_in_force(uow: ReviewWork, department_id: str) -> RuleInForce:
    """The rule for a department's ideas (or the city-wide ``default``), stored or not."""
    session = uow.session
    stored = await rules_store.stored_rules(session)
    row = await session.get(RoutingRuleRow, department_id)
    return _in_force(department_id, row, stored, uow.settings.builtin_rule())


async def network_members(
    uow: ReviewWork,
    page: PageRequest,
    *,
    item: Callable[[NetworkMember], R],
    unit_id: str | None = None,
) -> Page[R]:
    """The change-agent network by unit and person: one page."""
    members = await network.network(uow.session, uow.now, unit_id=unit_id)
    return page_of_computed(
        members, key=lambda m: (m.unit_id, m.person_id), arity=2, page=page, item=item
    )


async def network_member(uow: ReviewWork, *, unit_id: str, person_id: str) -> NetworkMember:
    """One person's place in a unit's change-agent network."""
    members = await network.network(uow.session, uow.now, unit_id=unit_id)
    for member in members:
        if member.person_id == person_id:
            return member
    raise NotFound(f"{person_id} is not in {unit_id}'s network.", what="Assignment")


async def units_without_reviewers(
    uow: ReviewWork, page: PageRequest, *, item: Callable[[str], R]
) -> Page[R]:
    """Plain units nobody screens in, by id: one page."""
    units = await network.units_without_reviewers(uow.session)
    return page_of_computed(units, key=lambda u: (u,), arity=1, page=page, item=item)


async def workloads(
    uow: ReviewWork, page: PageRequest, *, item: Callable[[str, Workload], R]
) -> Page[R]:
    """Open and overdue cases per reviewer, busiest first (ties by person id): one page."""
    loads = list((await network.workloads(uow.session, uow.now)).items())
    return page_of_computed(
        loads,
        key=lambda load: (-load[1].open_cases, load[0]),
        arity=2,
        page=page,
        item=lambda load: item(*load),
    )


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
    # Units whose ideas found nobody may have reviewers under the new rule, and committee
    # cases may go to another committee.
    await case_routing.route_again(uow)
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
    if not await org.person_known(session, person_id):
        raise InvalidInput(
            "person_id", f"HR has not sent {person_id}: only the city's people can screen ideas."
        )
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
