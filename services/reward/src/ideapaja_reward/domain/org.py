"""The city's organisation as the reward service reads it: units roll up to their department and
departments to the city. Pure: the units come in as values (``db/org.py`` loads them)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

# HR's unit kind of a department (``UnitKind.DEPARTMENT``), kept as text so the domain needs no
# contracts import.
DEPARTMENT = "department"


@dataclass(frozen=True)
class OrgUnit:
    unit_id: str
    kind: str
    parent_id: str | None


def ancestry(unit_id: str, units: Mapping[str, OrgUnit]) -> list[str]:
    """``unit_id`` and the units above it, nearest first, as far as HR has described them.

    A unit HR has not described is its own ancestry; a cycle in HR's data (a mistake there)
    stops where it would repeat, so nothing here loops.
    """
    chain = [unit_id]
    seen = {unit_id}
    current = units.get(unit_id)
    while current is not None and current.parent_id is not None:
        parent = current.parent_id
        if parent in seen:
            break
        chain.append(parent)
        seen.add(parent)
        current = units.get(parent)
    return chain


def department_of(unit_id: str, units: Mapping[str, OrgUnit]) -> str | None:
    """The department a unit belongs to (itself, if it is one); None when HR names none."""
    for candidate in ancestry(unit_id, units):
        unit = units.get(candidate)
        if unit is not None and unit.kind == DEPARTMENT:
            return candidate
    return None


def subtree(unit_id: str, units: Mapping[str, OrgUnit]) -> set[str]:
    """``unit_id`` and every unit below it (for rolling a department's figures up)."""
    return {candidate for candidate in units if unit_id in ancestry(candidate, units)} | {unit_id}
