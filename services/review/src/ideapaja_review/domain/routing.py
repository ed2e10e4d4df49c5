"""Routing: which people review an idea, decided from the organisation as HR describes it and
the department's routing rule (``rules.py``; the defaults are described here).

- ``unit`` scope: the unit's change agents and supervisors (from HR, or assigned by an admin);
  when the unit has none, those of its parent department.
- ``department`` scope: change agents and supervisors in the department unit itself and in every
  unit below it. An idea whose unit is a plain unit is taken to mean that unit's department.
- ``city`` scope: the development committee: the members of the committee configured for it,
  else the people HR gives the committee_member role, wherever they sit.

People who left, and the idea's own authors (a conflict of interest), never review it. No
reviewers found means the case is unrouted; it is routed again when org data arrives.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from ideapaja_contracts.events.hr import UnitKind
from ideapaja_contracts.events.idea import Scope
from ideapaja_review.domain.rules import (
    ASSIGNABLE_ROLES,
    COMMITTEE_ROLES,
    DEFAULT_RULE,
    SCREENER_ROLES,
    RoutingRule,
)

__all__ = ["COMMITTEE_ROLES", "REVIEWING_ROLES", "SCREENER_ROLES"]

# Every role a routing rule can name, i.e. that can put someone on some reviewer list (what the
# org store must load, and what makes an HR change worth routing again).
REVIEWING_ROLES = ASSIGNABLE_ROLES


@dataclass(frozen=True)
class OrgUnit:
    unit_id: str
    kind: UnitKind
    parent_id: str | None = None


@dataclass(frozen=True)
class OrgPerson:
    person_id: str
    unit_id: str | None
    roles: frozenset[str]
    active: bool = True


class RoutedVia(StrEnum):
    UNIT = "unit"
    PARENT_DEPARTMENT = "parent_department"
    DEPARTMENT = "department"
    COMMITTEE = "committee"
    NOBODY = "nobody"


@dataclass(frozen=True)
class Routing:
    reviewer_ids: tuple[str, ...]
    via: RoutedVia

    @property
    def routed(self) -> bool:
        return bool(self.reviewer_ids)


def reviewer_roles(scope: Scope) -> frozenset[str]:
    """The roles a reviewer of an idea with ``scope`` holds under the default rule."""
    return DEFAULT_RULE.reviewer_roles(scope)


def route(
    scope: Scope,
    unit_id: str,
    units: Mapping[str, OrgUnit],
    people: Iterable[OrgPerson],
    authors: Collection[str] = (),
    *,
    rule: RoutingRule = DEFAULT_RULE,
    committee_member_ids: Collection[str] | None = None,
) -> Routing:
    """Choose the reviewers of an idea of ``scope`` submitted for ``unit_id``.

    ``committee_member_ids`` are the configured committee's (active) members; None or empty
    means no committee is configured and HR's committee_member role decides.
    """
    eligible = [p for p in people if p.active and p.person_id not in authors]

    def reviewers_in(unit_ids: Collection[str], roles: frozenset[str]) -> tuple[str, ...]:
        return tuple(
            sorted(
                {
                    p.person_id
                    for p in eligible
                    if p.unit_id in unit_ids and not roles.isdisjoint(p.roles)
                }
            )
        )

    if rule.goes_to_committee(scope):
        if committee_member_ids:
            members = sorted(set(committee_member_ids) - set(authors))
            return _routing(tuple(members), RoutedVia.COMMITTEE)
        committee = tuple(
            sorted({p.person_id for p in eligible if not COMMITTEE_ROLES.isdisjoint(p.roles)})
        )
        return _routing(committee, RoutedVia.COMMITTEE)

    if scope is Scope.UNIT:
        in_unit = reviewers_in({unit_id}, rule.unit_reviewer_roles)
        if in_unit:
            return Routing(in_unit, RoutedVia.UNIT)
        unit = units.get(unit_id)
        parent_id = unit.parent_id if unit is not None else None
        if parent_id is None or not rule.unit_falls_back_to_department:
            return Routing((), RoutedVia.NOBODY)
        return _routing(
            reviewers_in({parent_id}, rule.department_reviewer_roles),
            RoutedVia.PARENT_DEPARTMENT,
        )

    department_id = department_of(unit_id, units)
    covered = {department_id}
    if rule.department_includes_units:
        covered |= descendants(department_id, units)
    return _routing(reviewers_in(covered, rule.department_reviewer_roles), RoutedVia.DEPARTMENT)


def department_reviewers(
    unit_id: str,
    units: Mapping[str, OrgUnit],
    people: Iterable[OrgPerson],
    authors: Collection[str] = (),
    *,
    rule: RoutingRule = DEFAULT_RULE,
) -> tuple[str, ...]:
    """The reviewers placed in the department of ``unit_id`` itself: where a unit's overdue
    case escalates to."""
    department_id = department_of(unit_id, units)
    roles = rule.department_reviewer_roles
    return tuple(
        sorted(
            {
                p.person_id
                for p in people
                if p.active
                and p.person_id not in authors
                and p.unit_id == department_id
                and not roles.isdisjoint(p.roles)
            }
        )
    )


def department_of(unit_id: str, units: Mapping[str, OrgUnit]) -> str:
    """The department an idea for ``unit_id`` belongs to: the unit itself when it is a department
    (or not known yet), else its parent."""
    unit = units.get(unit_id)
    if unit is None or unit.kind is UnitKind.DEPARTMENT or unit.parent_id is None:
        return unit_id
    return unit.parent_id


def descendants(unit_id: str, units: Mapping[str, OrgUnit]) -> frozenset[str]:
    """Every unit below ``unit_id`` at any depth (cycles in bad HR data cannot loop)."""
    children: dict[str, list[str]] = {}
    for unit in units.values():
        if unit.parent_id is not None:
            children.setdefault(unit.parent_id, []).append(unit.unit_id)
    found: set[str] = set()
    pending = list(children.get(unit_id, ()))
    while pending:
        current = pending.pop()
        if current in found or current == unit_id:
            continue
        found.add(current)
        pending.extend(children.get(current, ()))
    return frozenset(found)


def _routing(reviewer_ids: tuple[str, ...], via: RoutedVia) -> Routing:
    return Routing(reviewer_ids, via if reviewer_ids else RoutedVia.NOBODY)
