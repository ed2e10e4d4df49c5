"""Incentive rules: a configurable number of points per author for each lifecycle outcome.

Every author of an idea receives the full points of a rule (points are *per author*, not shared
out), so co-authoring never makes an idea worth less to each person. A rule set to 0, or left
out, awards nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType


class Outcome(StrEnum):
    """Lifecycle outcomes a rule can reward; the value is the rule's name in settings and events."""

    SUBMITTED = "submitted"  # IdeaSubmitted
    ACCEPTED = "accepted"  # ReviewDecided with decision accepted
    IMPLEMENTED = "implemented"  # ImplementationCompleted


DEFAULT_POINTS_RULES: Mapping[str, int] = MappingProxyType(
    {Outcome.SUBMITTED.value: 5, Outcome.ACCEPTED.value: 50, Outcome.IMPLEMENTED.value: 100}
)

# A sanity bound that catches a mistyped setting (an extra zero or three) at startup.
MAX_POINTS_PER_RULE = 1_000_000

# Machine-facing reasons on RewardGranted, stable English strings HR systems can match on.
_REASONS = {
    Outcome.SUBMITTED: "Idea submitted",
    Outcome.ACCEPTED: "Idea accepted",
    Outcome.IMPLEMENTED: "Idea implemented",
}


RULE_ORIGIN = "rule:"


def reason_code(rule: Outcome) -> str:
    """The code of a rule's reason (RewardGranted.reason_code): ``idea_<outcome>``."""
    return f"idea_{rule.value}"


def reason_code_of_origin(origin: str) -> str | None:
    """The reason code of a grant from its origin (``rule:<outcome>``); None for another."""
    if not origin.startswith(RULE_ORIGIN):
        return None
    outcome = origin.removeprefix(RULE_ORIGIN)
    return reason_code(Outcome(outcome)) if outcome in {o.value for o in Outcome} else None


class InvalidRules(ValueError):
    """The incentive rules setting cannot be used; the message says what to fix."""


@dataclass(frozen=True)
class Award:
    """Points one person earns from one rule firing."""

    person_id: str
    rule: Outcome
    points: int

    @property
    def reason(self) -> str:
        return _REASONS[self.rule]


@dataclass(frozen=True)
class IncentiveRules:
    points: Mapping[Outcome, int]

    @classmethod
    def parse(cls, raw: Mapping[str, object]) -> IncentiveRules:
        """Validate a ``{"rule": points}`` mapping: known rule names, whole non-negative points."""
        if not isinstance(raw, Mapping):
            raise InvalidRules(
                f"points rules must be a JSON object like {dict(DEFAULT_POINTS_RULES)}, "
                f"got {type(raw).__name__}"
            )
        known = ", ".join(o.value for o in Outcome)
        problems: list[str] = []
        points: dict[Outcome, int] = {}
        for key, value in raw.items():
            try:
                outcome = Outcome(key)
            except ValueError:
                problems.append(f"unknown rule {key!r} (known rules: {known})")
                continue
            # bool is an int in Python, but `true` points are a configuration mistake.
            if isinstance(value, bool) or not isinstance(value, int):
                problems.append(f"{key}: points must be a whole number, got {value!r}")
            elif not 0 <= value <= MAX_POINTS_PER_RULE:
                problems.append(f"{key}: points must be between 0 and {MAX_POINTS_PER_RULE}")
            else:
                points[outcome] = value
        if problems:
            raise InvalidRules("invalid points rules: " + "; ".join(problems))
        return cls(MappingProxyType(points))

    @classmethod
    def default(cls) -> IncentiveRules:
        return cls.parse(DEFAULT_POINTS_RULES)

    def points_for(self, outcome: Outcome) -> int:
        return self.points.get(outcome, 0)

    def awards(self, outcome: Outcome, author_ids: Iterable[str]) -> list[Award]:
        """One award per distinct author, in the authors' order; none when the rule is off."""
        points = self.points_for(outcome)
        if points <= 0:
            return []
        return [Award(person, outcome, points) for person in dict.fromkeys(author_ids)]

    def as_dict(self) -> dict[str, int]:
        return {outcome.value: points for outcome, points in self.points.items()}
