"""Routing: which people review an idea, decided from the organisation as HR describes it.

- ``unit`` scope: the unit's change agents and supervisors; when the unit has none, those of its
  parent department.
- ``department`` scope: change agents and supervisors in the department unit itself and in every
  unit below it. An idea whose unit is a plain unit is taken to mean that unit's department.
- ``city`` scope: the development committee (people with committee_member), wherever they sit.

People who left, and the idea's own authors (a conflict of interest), never review it. No
reviewers found means the case is unrouted; it is routed again when org data arrives.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from ideapaja_contracts.events.hr import HrRole, UnitKind
from ideapaja_contracts.events.idea import Scope

SCREENER_ROLES = frozenset({HrRole.CHANGE_AGENT.value, HrRole.SUPERVISOR.value})
COMMITTEE_ROLES = frozenset({HrRole.COMMITTEE_MEMBER.value})
# Every role that can put someone on some reviewer list (what the org store must load).
REVIEWING_ROLES = SCREENER_ROLES | COMMITTEE_ROLES


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
    """The roles a reviewer of an idea with ``scope`` holds."""
    return COMMITTEE_ROLES if scope is Scope.CITY else SCREENER_ROLES


def route(
    scope: Scope,
    unit_id: str,
    units: Mapping[str, OrgUnit],
    people: Iterable[OrgPerson],
    authors: Collection[str] = (),
) -> Routing:
    """Choose the reviewers of an idea of ``scope`` submitted for ``unit_id``."""
    eligible = [p for p in people if p.active and p.person_id not in authors]
    roles = reviewer_roles(scope)

    def reviewers_in(unit_ids: Collection[str]) -> tuple[str, ...]:
        return tuple(
            sorted(
                p.person_id
                for p in eligible
                if p.unit_id in unit_ids and not roles.isdisjoint(p.roles)
            )
        )

    if scope is Scope.CITY:
        committee = tuple(sorted(p.person_id for p in eligible if not roles.isdisjoint(p.roles)))
        return _routing(committee, RoutedVia.COMMITTEE)

    if scope is Scope.UNIT:
        in_unit = reviewers_in({unit_id})
        if in_unit:
            return Routing(in_unit, RoutedVia.UNIT)
        unit = units.get(unit_id)
        parent_id = unit.parent_id if unit is not None else None
        if parent_id is None:
            return Routing((), RoutedVia.NOBODY)
        return _routing(reviewers_in({parent_id}), RoutedVia.PARENT_DEPARTMENT)

    department_id = department_of(unit_id, units)
    return _routing(
        reviewers_in({department_id, *descendants(department_id, units)}), RoutedVia.DEPARTMENT
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
