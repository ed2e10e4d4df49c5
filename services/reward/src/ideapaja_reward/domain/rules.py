"""Incentive rules as data: one version of the rule set, validated as it is stored or changed.

A rule set says what each lifecycle outcome is worth (``points``), what the idea's originating
unit earns when another unit adopts the practice (``unit_points``), the most points a person
earns from the rules in a period (``cap_per_person``), the most points a person earns from one
idea's supports or answered comments (``cap_per_idea``), and how a team's points are shared out
(``team_mode``). An admin changes it through the API; every version is kept, and each ledger
entry records the version that computed it. What the rules *do* with these numbers is in
``domain.engine``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError


class Outcome(StrEnum):
    """Lifecycle outcomes a rule can reward; the value is the rule's name in the rule set, the
    ledger and the events."""

    SUBMITTED = "submitted"  # IdeaSubmitted
    ACCEPTED = "accepted"  # ReviewDecided with decision accepted
    EXPERIMENT_STARTED = "experiment_started"  # ExperimentStarted
    EXPERIMENT_SCALED = "experiment_scaled"  # ExperimentCompleted with outcome scale
    IMPLEMENTED = "implemented"  # ImplementationCompleted
    PRACTICE_ADOPTED = "practice_adopted"  # PracticeAdopted by a unit other than the idea's
    SUPPORT_RECEIVED = "support_received"  # IdeaSupported by someone who is not an author
    COMMENT_ANSWERED = "comment_answered"  # an author's comment after someone else's


# The ledger's rule for HR's compensating entries (not an outcome: no rule set computes it).
CORRECTION = "correction"

DEFAULT_POINTS_RULES: Mapping[str, int] = MappingProxyType(
    {Outcome.SUBMITTED.value: 5, Outcome.ACCEPTED.value: 50, Outcome.IMPLEMENTED.value: 100}
)

# A sanity bound that catches a mistyped rule (an extra zero or three).
MAX_POINTS_PER_RULE = 1_000_000

# Machine-facing reasons on RewardGranted, stable English strings HR systems can match on.
REASONS: Mapping[str, str] = MappingProxyType(
    {
        Outcome.SUBMITTED: "Idea submitted",
        Outcome.ACCEPTED: "Idea accepted",
        Outcome.EXPERIMENT_STARTED: "Idea piloted in an experiment",
        Outcome.EXPERIMENT_SCALED: "Idea's experiment to be scaled up",
        Outcome.IMPLEMENTED: "Idea implemented",
        Outcome.PRACTICE_ADOPTED: "Practice adopted by another unit",
        Outcome.SUPPORT_RECEIVED: "Idea supported by a colleague",
        Outcome.COMMENT_ANSWERED: "Comment on the idea answered",
        CORRECTION: "Points corrected",
    }
)

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
    """A rule set cannot be used; the message names each rule broken."""


class Period(StrEnum):
    """A calendar period (Europe/Helsinki) a person's cap applies to."""

    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


class TeamMode(StrEnum):
    """How an outcome's points reach an idea's several authors."""

    SHARED = "shared"  # every author gets the full points
    SPLIT = "split"  # the points are divided among the authors; the sum is exactly the points


RulePoints = Annotated[int, Field(strict=True, ge=0, le=MAX_POINTS_PER_RULE)]
CapPoints = Annotated[int, Field(strict=True, ge=1, le=MAX_POINTS_PER_RULE)]
# The outcomes that pay the idea's unit, and those paid per event (capped per idea).
UnitOutcome = Literal["practice_adopted"]
PerEventOutcome = Literal["support_received", "comment_answered"]
PER_EVENT: frozenset[Outcome] = frozenset({Outcome.SUPPORT_RECEIVED, Outcome.COMMENT_ANSWERED})


class PersonCap(BaseModel):
    """The most points one person earns from the rules in one calendar period."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    period: Period = Field(description="month, quarter or year (calendar, Europe/Helsinki)")
    points: CapPoints = Field(
        description="Most points a person earns from the rules in one such period (corrections "
        "and unit points do not count)"
    )


class RuleSet(BaseModel):
    """One version of the incentive rules."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    points: dict[Outcome, RulePoints] = Field(
        default_factory=dict,
        description="Points per outcome, 0 to 1,000,000; an outcome left out or 0 awards nothing. "
        "submitted, accepted, experiment_started, experiment_scaled, implemented and "
        "practice_adopted (per adopting unit) pay each author once per idea; support_received "
        "(per supporter) and comment_answered (per answer, to the answering author) pay per "
        "event up to cap_per_idea",
    )
    unit_points: dict[UnitOutcome, RulePoints] = Field(
        default_factory=dict,
        description="Points the idea's own unit earns: practice_adopted, when another unit "
        "adopts the practice (once per adopting unit)",
    )
    cap_per_person: PersonCap | None = Field(
        default=None, description="The most points a person earns from the rules per period"
    )
    cap_per_idea: dict[PerEventOutcome, CapPoints] = Field(
        default_factory=dict,
        description="The most points a person earns from one idea's support_received or "
        "comment_answered; none: no cap",
    )
    team_mode: TeamMode = Field(
        default=TeamMode.SHARED,
        description="shared: every confirmed author gets the full points; split: the points "
        "are divided among the authors (the remainder goes one point each to authors chosen "
        "by the event, so the shares add up to exactly the points)",
    )

    @classmethod
    def default(cls) -> RuleSet:
        return cls.from_setting(DEFAULT_POINTS_RULES)

    @classmethod
    def from_setting(cls, raw: object) -> RuleSet:
        """A rule set from the settings' JSON: a whole rule set, or (as before rules were data)
        only ``{"outcome": points}``. Raises InvalidRules naming every rule broken."""
        if isinstance(raw, RuleSet):
            return raw
        if not isinstance(raw, Mapping):
            raise InvalidRules(
                f"incentive rules must be a JSON object like {dict(DEFAULT_POINTS_RULES)}, "
                f"got {type(raw).__name__}"
            )
        whole = raw if "points" in raw else {"points": raw}
        return cls.parse(whole)

    @classmethod
    def parse(cls, raw: Any) -> RuleSet:
        try:
            return cls.model_validate(raw)
        except ValidationError as exc:
            raise InvalidRules("invalid incentive rules: " + describe(exc)) from exc

    def points_for(self, outcome: Outcome) -> int:
        return self.points.get(outcome, 0)

    def unit_points_for(self, outcome: Outcome) -> int:
        return _lookup(self.unit_points, outcome) or 0

    def idea_cap(self, outcome: Outcome) -> int | None:
        return _lookup(self.cap_per_idea, outcome)

    def as_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_defaults=False)


@dataclass(frozen=True)
class VersionedRules:
    """The rule set in force and its version number (recorded on every ledger entry)."""

    version: int
    rules: RuleSet


def _lookup(mapping: Mapping[Any, int], outcome: Outcome) -> int | None:
    """A value keyed by an outcome's name (the keys of some rule maps are literal names)."""
    return mapping.get(outcome.value)


def describe(exc: ValidationError) -> str:
    """``where: what`` for each problem, the rule named in ``where`` (``points.acepted``)."""
    problems = []
    for error in exc.errors(include_url=False):
        where = ".".join(str(part) for part in error["loc"] if part != "[key]")
        problems.append(f"{where or '<rules>'}: {error['msg']}")
    return "; ".join(problems)
