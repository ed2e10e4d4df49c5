"""Units' activity per headcount: periods in the city's time, the figures of a period, roll-ups
through the unit hierarchy and the trend against the previous period. Pure: the raw figures come
in as values (``db/activity.py`` reads them, one grouped query per figure and period).

An idea counts in the period it was submitted in (and in its unit, the idea's ``unit_id``);
acceptances and implementations count in the period they happened in, points by the ledger
entry's ``occurred_at`` and ``unit_id``. Distinct authors are distinct across a roll-up: a person
with ideas in two units of a department is one author of the department.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from ideapaja_reward.domain.org import DEPARTMENT, OrgUnit, ancestry


class Level(StrEnum):
    """What a row is: one unit's own figures, a department with its subtree, the whole city."""

    UNIT = "unit"
    DEPARTMENT = "department"
    CITY = "city"


@dataclass(frozen=True)
class RawFigures:
    """One unit's figures for one period as read from the database (authors as ids, so that a
    roll-up can count each person once)."""

    headcount: int = 0
    authors: frozenset[str] = frozenset()
    submitted: int = 0
    accepted: int = 0
    implemented: int = 0
    points: int = 0


EMPTY = RawFigures()


def total(figures: Iterable[RawFigures]) -> RawFigures:
    """Several units' figures as one: counts summed, authors counted once."""
    authors: set[str] = set()
    sums = [0, 0, 0, 0, 0]
    for one in figures:
        authors.update(one.authors)
        for index, value in enumerate(
            (one.headcount, one.submitted, one.accepted, one.implemented, one.points)
        ):
            sums[index] += value
    headcount, submitted, accepted, implemented, points = sums
    return RawFigures(headcount, frozenset(authors), submitted, accepted, implemented, points)


def per_100(count: int, headcount: int) -> float | None:
    """``count`` per 100 employees, to two decimals; None without a headcount (no division by
    zero: a unit HR has not counted, or a period before HR's first import)."""
    return round(100 * count / headcount, 2) if headcount > 0 else None


def _difference(now: float | None, before: float | None) -> float | None:
    return None if now is None or before is None else round(now - before, 2)


@dataclass(frozen=True)
class Figures:
    """What a row shows for one period."""

    headcount: int
    authors: int
    ideas_submitted: int
    ideas_accepted: int
    ideas_implemented: int
    points: int
    authors_per_100: float | None
    ideas_per_100: float | None

    @classmethod
    def of(cls, raw: RawFigures) -> Figures:
        return cls.counted(
            headcount=raw.headcount,
            authors=len(raw.authors),
            submitted=raw.submitted,
            accepted=raw.accepted,
            implemented=raw.implemented,
            points=raw.points,
        )

    @classmethod
    def counted(
        cls,
        *,
        headcount: int,
        authors: int,
        submitted: int,
        accepted: int,
        implemented: int,
        points: int,
    ) -> Figures:
        """From counts (distinct authors already counted, e.g. by the database)."""
        return cls(
            headcount=headcount,
            authors=authors,
            ideas_submitted=submitted,
            ideas_accepted=accepted,
            ideas_implemented=implemented,
            points=points,
            authors_per_100=per_100(authors, headcount),
            ideas_per_100=per_100(submitted, headcount),
        )

    def minus(self, before: Figures) -> Figures:
        """The change from ``before`` (per-100 changes None where either side has none)."""
        return Figures(
            headcount=self.headcount - before.headcount,
            authors=self.authors - before.authors,
            ideas_submitted=self.ideas_submitted - before.ideas_submitted,
            ideas_accepted=self.ideas_accepted - before.ideas_accepted,
            ideas_implemented=self.ideas_implemented - before.ideas_implemented,
            points=self.points - before.points,
            authors_per_100=_difference(self.authors_per_100, before.authors_per_100),
            ideas_per_100=_difference(self.ideas_per_100, before.ideas_per_100),
        )


@dataclass(frozen=True)
class Row:
    """A unit, department or the city (``unit_id`` None) in a period and the one before."""

    unit_id: str | None
    level: Level
    current: Figures
    previous: Figures
    department_id: str | None = None

    @property
    def change(self) -> Figures:
        return self.current.minus(self.previous)


@dataclass(frozen=True)
class Organisation:
    """The unit hierarchy, with each unit's departments (nearest first) worked out once."""

    units: Mapping[str, OrgUnit]
    departments: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def of(cls, units: Mapping[str, OrgUnit]) -> Organisation:
        return cls(units, {unit_id: _departments(unit_id, units) for unit_id in units})

    def departments_of(self, unit_id: str) -> tuple[str, ...]:
        known = self.departments.get(unit_id)
        return known if known is not None else _departments(unit_id, self.units)

    def below(self, unit_ids: Iterable[str]) -> set[str]:
        """The units and every unit under them (a supervisor's reach, a department's rows)."""
        roots = set(unit_ids)
        return roots | {u for u in self.units if roots.intersection(ancestry(u, self.units)[1:])}


def _departments(unit_id: str, units: Mapping[str, OrgUnit]) -> tuple[str, ...]:
    return tuple(a for a in ancestry(unit_id, units) if a in units and units[a].kind == DEPARTMENT)


def rolled_up(
    level: Level, raw: Mapping[str, RawFigures], org: Organisation
) -> dict[str | None, RawFigures]:
    """The figures of every row of ``level``: units (every unit HR describes or that has
    figures) on their own; departments with their whole subtree; the city as one row (None)."""
    if level is Level.CITY:
        return {None: total(raw.values())}
    if level is Level.UNIT:
        return {unit_id: raw.get(unit_id, EMPTY) for unit_id in {*org.units, *raw}}
    members: dict[str, list[RawFigures]] = defaultdict(list)
    for unit_id, figures in raw.items():
        for department in org.departments_of(unit_id):
            members[department].append(figures)
    departments = {u for u, unit in org.units.items() if unit.kind == DEPARTMENT}
    return {d: total(members.get(d, ())) for d in departments | set(members)}


def rows(
    level: Level,
    current: Mapping[str, RawFigures],
    previous: Mapping[str, RawFigures],
    org: Organisation,
    *,
    within: set[str] | None = None,
) -> list[Row]:
    """The rows of ``level`` (only those in ``within`` when given), by unit id."""
    now, before = rolled_up(level, current, org), rolled_up(level, previous, org)
    keys = [k for k in {*now, *before} if within is None or k in within]
    return [
        Row(
            unit_id=key,
            level=level,
            current=Figures.of(now.get(key, EMPTY)),
            previous=Figures.of(before.get(key, EMPTY)),
            department_id=_nearest(org.departments_of(key)) if key is not None else None,
        )
        for key in sorted(keys, key=lambda k: k or "")
    ]


def _nearest(departments: Sequence[str]) -> str | None:
    return departments[0] if departments else None


def ranked(candidates: Iterable[Row]) -> list[Row]:
    """Rows with a headcount, most active first: distinct authors per 100 employees, then ideas
    per 100, then unit id (for unit of the year)."""
    counted = [r for r in candidates if r.current.authors_per_100 is not None]
    return sorted(
        counted,
        key=lambda r: (
            -(r.current.authors_per_100 or 0),
            -(r.current.ideas_per_100 or 0),
            r.unit_id or "",
        ),
    )
