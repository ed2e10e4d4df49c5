"""The rule engine: who earns how many points when an outcome happens, caps applied. No I/O.

The caller (a use case) knows the idea's authors and, where a cap applies, what the person has
already earned from the rules in the period and from the idea; these functions turn that into
awards. An award cut by a cap says so (``capped_from``); one cut to 0 is still an award, so the
ledger records that the outcome happened and that the cap took it all (and a replay finds it).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from ideapaja_reward.domain.rules import REASONS, Outcome, Period, RuleSet, TeamMode

# Periods are calendar periods where the city is.
PERIOD_ZONE = ZoneInfo("Europe/Helsinki")


@dataclass(frozen=True)
class Award:
    """Points one person (or, with ``person_id`` None, the idea's unit) earns from one rule."""

    person_id: str | None
    rule: Outcome
    points: int
    # The points before a cap cut them; None when no cap applied.
    capped_from: int | None = None

    @property
    def reason(self) -> str:
        return REASONS[self.rule]


@dataclass(frozen=True)
class Earned:
    """What a person has already earned from the rules: in the cap's period (the one the outcome
    falls in) and from this idea by this rule (for the per-idea caps)."""

    in_period: int = 0
    on_idea: int = 0


def distinct(people: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(people))


def split(points: int, people: Sequence[str], key: str) -> list[tuple[str, int]]:
    """``points`` divided among ``people`` (distinct, in order): everyone gets the quotient and
    the remainder goes one point each to consecutive people from a place chosen by ``key`` (the
    source event), so the shares sum to exactly ``points`` and, over many events, no author is
    always the one left short."""
    if not people:
        return []
    base, remainder = divmod(points, len(people))
    start = int(hashlib.sha256(key.encode()).hexdigest()[:8], 16) % len(people)
    extra = {(start + i) % len(people) for i in range(remainder)}
    return [(person, base + (1 if n in extra else 0)) for n, person in enumerate(people)]


def shares(
    rules: RuleSet, outcome: Outcome, authors: Iterable[str], key: str
) -> list[tuple[str, int]]:
    """Each distinct author's share of ``outcome``'s points before caps, by the team mode.
    Nothing when the rule is off; shares of 0 (split points fewer than authors) are left out."""
    points = rules.points_for(outcome)
    people = distinct(authors)
    if points <= 0 or not people:
        return []
    if rules.team_mode is TeamMode.SPLIT:
        return [(person, share) for person, share in split(points, people, key) if share > 0]
    return [(person, points) for person in people]


def capped(points: int, *, earned: int, cap: int | None) -> int:
    """``points`` cut so that ``earned`` plus them never exceeds ``cap`` (never below 0)."""
    if cap is None:
        return points
    return max(0, min(points, cap - earned))


def award(rules: RuleSet, outcome: Outcome, person_id: str, share: int, earned: Earned) -> Award:
    """A person's award for their ``share``: cut by the per-idea cap (supports, answers) and by
    the person's cap for the period."""
    points = capped(share, earned=earned.on_idea, cap=rules.idea_cap(outcome))
    person_cap = rules.cap_per_person
    if person_cap is not None:
        points = capped(points, earned=earned.in_period, cap=person_cap.points)
    return Award(person_id, outcome, points, capped_from=share if points < share else None)


def unit_award(rules: RuleSet, outcome: Outcome) -> Award | None:
    """The idea's unit's award for ``outcome`` (not capped: caps are per person)."""
    points = rules.unit_points_for(outcome)
    return Award(None, outcome, points) if points > 0 else None


def needs_earned(rules: RuleSet, outcome: Outcome) -> bool:
    """Whether ``award`` needs to know what the person has earned (a cap applies)."""
    return rules.cap_per_person is not None or rules.idea_cap(outcome) is not None


def period_bounds(period: Period, at: datetime) -> tuple[datetime, datetime]:
    """The calendar period (Europe/Helsinki) containing ``at``: [start, end), aware times."""
    local = at.astimezone(PERIOD_ZONE)
    first_month = {
        Period.MONTH: local.month,
        Period.QUARTER: 3 * ((local.month - 1) // 3) + 1,
        Period.YEAR: 1,
    }[period]
    months = {Period.MONTH: 1, Period.QUARTER: 3, Period.YEAR: 12}[period]
    start = datetime(local.year, first_month, 1, tzinfo=PERIOD_ZONE)
    month_index = local.year * 12 + first_month - 1 + months
    end = datetime(month_index // 12, month_index % 12 + 1, 1, tzinfo=PERIOD_ZONE)
    return start, end
