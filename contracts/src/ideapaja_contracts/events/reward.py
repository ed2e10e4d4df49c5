"""Points, committee awards and granted rewards (owned by reward).

``RewardGranted`` is the event HR/payroll systems consume.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import Field, StringConstraints

from ideapaja_contracts.base import Event, Id, IdeaKeyedEvent, ShortText


class RewardKind(StrEnum):
    POINTS = "points"
    MONEY = "money"
    GIFT = "gift"
    RECOGNITION = "recognition"
    # An extra day off (``days`` says how many; no money amount). Added after v1's first
    # release: a consumer that does not know it treats it as a non-money reward.
    DAY_OFF = "day_off"


# A payroll period, the calendar month of the grant in the city's time: "2026-03".
Period = Annotated[str, StringConstraints(pattern=r"^[0-9]{4}-(0[1-9]|1[0-2])$")]


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
    # Optional additions (producers before them send none):
    # how many extra days off (kind day_off only)
    days: int | None = Field(default=None, ge=1)
    # the roles whose approval it needs, lowest first (one step each)
    approval_roles: list[ShortText] | None = None


class AwardApproved(RewardEvent, aggregate="reward", name="award_approved"):
    award_id: Id
    approved_by: Id
    # Optional additions: which step of the chain (1 = the first), as which role, and whether
    # it was the last step (the award is then granted).
    step: int | None = Field(default=None, ge=1)
    role: ShortText | None = None
    final: bool | None = None


class AwardRejected(RewardEvent, aggregate="reward", name="award_rejected"):
    award_id: Id
    rejected_by: Id
    reason: ShortText
    # Optional addition: the step of the chain it was rejected at (1 = the first).
    step: int | None = Field(default=None, ge=1)


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
    # What payroll needs, optional additions to v1 (producers before them send none).
    # Whether the reward is taxable income (money and gift cards are; days off, recognition
    # and points are not, unless the city configures otherwise).
    taxable: bool | None = None
    # The cost centre: the idea's unit, and the department it belongs to (if HR names one).
    unit_id: Id | None = None
    department_id: Id | None = None
    # The payroll period: the calendar month of the grant in the city's time, "2026-03".
    period: Period | None = None
    # The approval trail (the award's id; GET /awards/{id} shows each step), for an award.
    approval_trail_id: Id | None = None
    # Extra days off (kind day_off).
    days: int | None = Field(default=None, ge=1)


class PeriodicAwardKind(StrEnum):
    IDEA_OF_THE_MONTH = "idea_of_the_month"
    IDEA_OF_THE_YEAR = "idea_of_the_year"
    UNIT_OF_THE_YEAR = "unit_of_the_year"


class PeriodicAwardDecided(Event, aggregate="reward", name="periodic_award_decided"):
    """The committee decided a periodic award round: the idea of the month or of the year (its
    authors' recognitions follow, each in a ``RewardGranted`` with the award as
    ``reason_code``), or the unit of the year."""

    round_id: Id
    award: PeriodicAwardKind
    # "2026-11" for a month, "2026" for a year (calendar, Europe/Helsinki).
    period: ShortText
    # The winning idea (idea awards), with its title as submitted.
    idea_id: Id | None = None
    idea_title: ShortText | None = None
    # The winning unit, or the winning idea's unit.
    unit_id: Id
    # The winning idea's authors, so they can be told; empty for a unit award. When
    # ``anonymous``, they are rewarded but must never be named to anyone else.
    recipient_ids: list[Id] = Field(default_factory=list)
    anonymous: bool = False
    # Points granted to each recipient (0 when the award is set to none).
    points: int = 0
    decided_by: Id

    def aggregate_id(self) -> str:
        return self.round_id
