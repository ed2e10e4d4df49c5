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
from datetime import UTC, date, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from ideapaja_reward.domain.org import DEPARTMENT, OrgUnit, ancestry

CITY_TIME_ZONE = ZoneInfo("Europe/Helsinki")


class PeriodKind(StrEnum):
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


_MONTHS = {PeriodKind.MONTH: 1, PeriodKind.QUARTER: 3, PeriodKind.YEAR: 12}


class Level(StrEnum):
    """What a row is: one unit's own figures, a department with its subtree, the whole city."""

    UNIT = "unit"
    DEPARTMENT = "department"
    CITY = "city"


class InvalidPeriod(ValueError):
    """A period's text is not ``2026``, ``2026-Q4`` or ``2026-11``."""


# Years a period may name: far enough inside the calendar's limits (years 1 to 9999) that the
# period's neighbours (the trend's previous period, a series' earlier ones) still exist; year
# 0000 passed the four-digit check and failed deep inside as a server error.
PERIOD_YEARS = range(1900, 3000)


@dataclass(frozen=True, order=True)
class Period:
    """A calendar month, quarter or year in Europe/Helsinki (``month`` is its first month)."""

    kind: PeriodKind
    year: int
    month: int

    @classmethod
    def containing(cls, kind: PeriodKind, day: date | datetime) -> Period:
        """The period of ``day``; a time is read in Helsinki (23:30 UTC on 31 Dec is January)."""
        if isinstance(day, datetime):
            day = day.astimezone(CITY_TIME_ZONE).date()
        if day.year not in PERIOD_YEARS:
            first, last = PERIOD_YEARS.start, PERIOD_YEARS.stop - 1
            raise InvalidPeriod(f"{day.isoformat()} is outside the years {first}-{last}")
        length = _MONTHS[kind]
        return cls(kind, day.year, (day.month - 1) // length * length + 1)

    @classmethod
    def parse(cls, text: str) -> Period:
        """``2026`` (a year), ``2026-Q4`` (a quarter) or ``2026-11`` (a month)."""
        year, _, rest = text.partition("-")
        try:
            if not year.isdigit() or len(year) != 4 or int(year) not in PERIOD_YEARS:
                raise ValueError(text)
            if not rest:
                return cls(PeriodKind.YEAR, int(year), 1)
            if rest[:1] == "Q" and rest[1:] in {"1", "2", "3", "4"}:
                return cls(PeriodKind.QUARTER, int(year), (int(rest[1:]) - 1) * 3 + 1)
            if len(rest) == 2 and rest.isdigit() and 1 <= int(rest) <= 12:
                return cls(PeriodKind.MONTH, int(year), int(rest))
        except ValueError:
            pass
        raise InvalidPeriod(
            f"{text!r} is not a period: write 2026, 2026-Q4 or 2026-11"
            f" (years {PERIOD_YEARS.start}-{PERIOD_YEARS.stop - 1})"
        )

    @property
    def label(self) -> str:
        if self.kind is PeriodKind.YEAR:
            return f"{self.year:04d}"
        if self.kind is PeriodKind.QUARTER:
            return f"{self.year:04d}-Q{(self.month - 1) // 3 + 1}"
        return f"{self.year:04d}-{self.month:02d}"

    def shifted(self, periods: int) -> Period:
        """The period ``periods`` later (earlier when negative)."""
        months = self.year * 12 + self.month - 1 + periods * _MONTHS[self.kind]
        return Period(self.kind, months // 12, months % 12 + 1)

    def previous(self) -> Period:
        return self.shifted(-1)

    @property
    def starts_at(self) -> datetime:
        """Its first instant (midnight in Helsinki), in UTC."""
        return datetime(self.year, self.month, 1, tzinfo=CITY_TIME_ZONE).astimezone(UTC)

    @property
    def ends_at(self) -> datetime:
        """The first instant after it, in UTC (periods are half-open)."""
        return self.shifted(1).starts_at

    def contains(self, moment: datetime) -> bool:
        return self.starts_at <= moment < self.ends_at

    def headcount_at(self, now: datetime) -> datetime:
        """When its headcount is read: its last instant, or now for the current period."""
        return min(self.ends_at, now)

    def last(self, count: int) -> list[Period]:
        """``count`` periods ending with this one, oldest first."""
        return [self.shifted(-back) for back in range(count - 1, -1, -1)]


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
        return cls(
            headcount=raw.headcount,
            authors=len(raw.authors),
            ideas_submitted=raw.submitted,
            ideas_accepted=raw.accepted,
            ideas_implemented=raw.implemented,
            points=raw.points,
            authors_per_100=per_100(len(raw.authors), raw.headcount),
            ideas_per_100=per_100(raw.submitted, raw.headcount),
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
