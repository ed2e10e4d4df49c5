"""Pure reward rules: what each lifecycle outcome is worth and who gets it. No I/O here."""

from ideapaja_reward.domain.ids import entry_id, grant_id
from ideapaja_reward.domain.money import amount_from_cents
from ideapaja_reward.domain.rules import (
    DEFAULT_POINTS_RULES,
    Award,
    IncentiveRules,
    InvalidRules,
    Outcome,
)

__all__ = [
    "DEFAULT_POINTS_RULES",
    "Award",
    "IncentiveRules",
    "InvalidRules",
    "Outcome",
    "amount_from_cents",
    "entry_id",
    "grant_id",
]
