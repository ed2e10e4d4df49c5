"""Periodic awards: idea of the month or of the year, unit of the year. A round names its award
and period; people nominate, committee members vote, the decision names the winner. Pure rules:
which period a round covers, what each award is worth, and who leads the vote."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from enum import StrEnum
from types import MappingProxyType

from ideapaja_contracts.periods import InvalidPeriod, Period, PeriodKind


class AwardKind(StrEnum):
    IDEA_OF_THE_MONTH = "idea_of_the_month"
    IDEA_OF_THE_YEAR = "idea_of_the_year"
    UNIT_OF_THE_YEAR = "unit_of_the_year"

    @property
    def period_kind(self) -> PeriodKind:
        return PeriodKind.MONTH if self is AwardKind.IDEA_OF_THE_MONTH else PeriodKind.YEAR

    @property
    def for_ideas(self) -> bool:
        return self is not AwardKind.UNIT_OF_THE_YEAR

    @property
    def reason(self) -> str:
        """In English words, as RewardGranted's ``reason`` (the kind is its ``reason_code``)."""
        return self.value.replace("_", " ").capitalize()


class RoundStatus(StrEnum):
    OPEN = "open"  # nominations and votes
    DECIDED = "decided"  # closed, the winner granted


# A grant's origin for a periodic award: ``periodic:<round id>``.
PERIODIC_ORIGIN = "periodic:"

DEFAULT_PERIODIC_POINTS: Mapping[str, int] = MappingProxyType(
    {AwardKind.IDEA_OF_THE_MONTH.value: 200, AwardKind.IDEA_OF_THE_YEAR.value: 1000}
)
MAX_PERIODIC_POINTS = 1_000_000


def round_period(kind: AwardKind, text: str) -> Period:
    """The period a round of ``kind`` covers: ``2026-11`` for a month's award, ``2026`` for a
    year's."""
    period = Period.parse(text)
    if period.kind is not kind.period_kind:
        example = "2026-11" if kind.period_kind is PeriodKind.MONTH else "2026"
        raise InvalidPeriod(
            f"{kind.value} is awarded per {kind.period_kind.value}: write {example}"
        )
    return period


def parse_periodic_points(raw: object) -> dict[str, int]:
    """Validate ``{"idea_of_the_month": 200, "idea_of_the_year": 1000}``: idea awards only, whole
    points from 0 (a recognition without points) up."""
    if not isinstance(raw, Mapping):
        raise ValueError(
            f"periodic points must be a JSON object like {dict(DEFAULT_PERIODIC_POINTS)}"
        )
    known = {kind.value for kind in AwardKind if kind.for_ideas}
    problems = [
        f"unknown idea award {key!r} (known: {sorted(known)})" for key in raw if key not in known
    ]
    problems += [
        f"{key}: points must be a whole number between 0 and {MAX_PERIODIC_POINTS}"
        for key, value in raw.items()
        if isinstance(value, bool)
        or not isinstance(value, int)
        or not 0 <= value <= MAX_PERIODIC_POINTS
    ]
    if problems:
        raise ValueError("invalid periodic points: " + "; ".join(problems))
    return {**DEFAULT_PERIODIC_POINTS, **raw}


def tally(votes: Iterable[str]) -> Counter[str]:
    """Votes per candidate."""
    return Counter(votes)


def leader(counts: Counter[str]) -> str | None:
    """The one candidate with the most votes; None when nobody voted or the top is tied (the
    decision must then name the winner)."""
    top = counts.most_common(2)
    if not top or (len(top) == 2 and top[0][1] == top[1][1]):
        return None
    return top[0][0]
