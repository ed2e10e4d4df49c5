"""Calendar periods in the city's time (Europe/Helsinki): a month, a quarter or a year, written
``2026-11``, ``2026-Q4`` and ``2026``, as every service's reports name them. Pure: review's
management figures and reward's activity put their rows into these periods; one definition, so
a period means the same in both (a quarter starting in January, 23:30 UTC on 31 December being
January in Helsinki)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

CITY_TIME_ZONE = ZoneInfo("Europe/Helsinki")


class PeriodKind(StrEnum):
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


_MONTHS = {PeriodKind.MONTH: 1, PeriodKind.QUARTER: 3, PeriodKind.YEAR: 12}


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

    def closes_at(self, now: datetime) -> datetime:
        """Its end, or ``now`` while it is still running (e.g. when a headcount is read)."""
        return min(self.ends_at, now)

    def last(self, count: int) -> list[Period]:
        """``count`` periods ending with this one, oldest first."""
        return [self.shifted(-back) for back in range(count - 1, -1, -1)]
