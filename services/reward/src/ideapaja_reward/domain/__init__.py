"""Pure reward rules: what each lifecycle outcome is worth and who gets it. No I/O here."""

from ideapaja_reward.domain.engine import Award, Earned, award, period_bounds, shares, split
from ideapaja_reward.domain.ids import entry_id, grant_id, source_key
from ideapaja_reward.domain.money import amount_from_cents
from ideapaja_reward.domain.rules import (
    CORRECTION,
    DEFAULT_POINTS_RULES,
    InvalidRules,
    Outcome,
    Period,
    PersonCap,
    RuleSet,
    TeamMode,
    VersionedRules,
)

__all__ = [
    "CORRECTION",
    "DEFAULT_POINTS_RULES",
    "Award",
    "Earned",
    "InvalidRules",
    "Outcome",
    "Period",
    "PersonCap",
    "RuleSet",
    "TeamMode",
    "VersionedRules",
    "amount_from_cents",
    "award",
    "entry_id",
    "grant_id",
    "period_bounds",
    "shares",
    "source_key",
    "split",
]
