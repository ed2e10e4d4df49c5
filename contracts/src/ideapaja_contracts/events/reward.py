"""Points, committee awards and granted rewards (owned by reward).

``RewardGranted`` is the event HR/payroll systems consume.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

from pydantic import Field

from ideapaja_contracts.base import Id, IdeaKeyedEvent, ShortText


class RewardKind(StrEnum):
    POINTS = "points"
    MONEY = "money"
    GIFT = "gift"
    RECOGNITION = "recognition"


class RewardEvent(IdeaKeyedEvent):
    """The events of this module, each about one idea."""


class PointsAwarded(RewardEvent, aggregate="reward", name="points_awarded"):
    """Points credited to a person's ledger by an incentive rule (``rule`` names it), or an HR
    correction of the ledger (``rule`` "correction", ``points`` signed)."""

    entry_id: Id
    person_id: Id
    unit_id: Id
    points: int
    rule: ShortText
    # The incentive rules' version that computed the points; None for a correction (and from
    # producers before rules were versioned).
    rule_version: int | None = None
    # The ledger entry a correction compensates, if it names one.
    corrects_entry_id: Id | None = None


class AwardProposed(RewardEvent, aggregate="reward", name="award_proposed"):
    award_id: Id
    proposed_by: Id
    kind: RewardKind
    amount: Decimal = Field(ge=0, max_digits=12, decimal_places=2)
    currency: str = "EUR"
    recipient_ids: list[Id] = Field(min_length=1)
    justification: ShortText


class AwardApproved(RewardEvent, aggregate="reward", name="award_approved"):
    award_id: Id
    approved_by: Id


class AwardRejected(RewardEvent, aggregate="reward", name="award_rejected"):
    award_id: Id
    rejected_by: Id
    reason: ShortText


class RewardGranted(RewardEvent, aggregate="reward", name="granted"):
    """A reward a person has received; HR/payroll books money rewards from this event."""

    grant_id: Id
    person_id: Id
    kind: RewardKind
    amount: Decimal = Field(ge=0, max_digits=12, decimal_places=2)
    currency: str | None = None
    points: int = 0
    # Why, in English words (kept for v1 consumers and HR systems that match on it).
    reason: ShortText
    # Why, as a code to translate where a person reads it: idea_submitted, idea_accepted,
    # idea_experiment_started, idea_experiment_scaled, idea_implemented, idea_practice_adopted,
    # idea_support_received, idea_comment_answered (more may come: fall back to ``reason`` for a
    # code you do not know).
    # Optional: producers before it send none.
    reason_code: ShortText | None = None
