"""Committee and supervisor awards: what a proposal may be, the approval chain its amount needs,
who may approve each step, and how a total is shared among recipients. Pure: no I/O.

A refusal is an ``AwardRuleBroken`` naming the rule (``rule``), so the answer a caller gets says
which rule, whatever layer raised it (``errors.py`` turns it into problem+json).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Literal

from ideapaja_reward.domain.money import amount_from_cents


class AwardKind(StrEnum):
    """What is awarded (the values are RewardGranted's kinds)."""

    MONEY = "money"
    GIFT = "gift"  # a gift card, worth an amount in euros
    DAY_OFF = "day_off"  # extra days off for each recipient; no amount
    RECOGNITION = "recognition"  # no amount


# Kinds paid out of a department's budget, with an amount.
MONEY_KINDS = frozenset({AwardKind.MONEY, AwardKind.GIFT})


class AwardStatus(StrEnum):
    PENDING = "pending"  # waiting for its next step's approval
    APPROVED = "approved"  # every step approved: granted
    REJECTED = "rejected"  # a step rejected it (with a reason)


# How a broken rule is answered: bad input (422), not this caller (403), not now (409).
Refusal = Literal["invalid", "forbidden", "conflict"]


class AwardRuleBroken(Exception):
    """A proposal, approval, rejection or budget breaks ``rule``; ``field`` names the input."""

    def __init__(
        self, rule: str, message: str, *, refusal: Refusal = "invalid", field: str | None = None
    ) -> None:
        super().__init__(message)
        self.rule = rule
        self.message = message
        self.refusal = refusal
        self.field = field


@dataclass(frozen=True)
class ApprovalLevel:
    """A role that may approve awards up to ``limit_cents`` (None: no limit)."""

    role: str
    limit_cents: int | None

    def covers(self, cents: int) -> bool:
        return self.limit_cents is None or cents <= self.limit_cents


def check_levels(levels: Sequence[ApprovalLevel]) -> None:
    """Levels are ordered by strictly rising limits; only the last may have none."""
    if not levels:
        raise ValueError("approval limits: at least one level is needed")
    roles = [level.role for level in levels]
    if len(set(roles)) != len(roles):
        raise ValueError("approval limits: each role may appear once")
    limits = [level.limit_cents for level in levels]
    if None in limits[:-1]:
        raise ValueError("approval limits: only the last level may be without a limit (null)")
    bounded = [limit for limit in limits if limit is not None]
    if any(limit < 0 for limit in bounded) or bounded != sorted(set(bounded)):
        raise ValueError("approval limits: limits must rise strictly from one level to the next")


def chain(levels: Sequence[ApprovalLevel], cents: int) -> list[ApprovalLevel]:
    """The steps an award of ``cents`` needs: every level from the lowest up to the first whose
    limit covers it (an award without money still needs the first)."""
    steps: list[ApprovalLevel] = []
    for level in levels:
        steps.append(level)
        if level.covers(cents):
            return steps
    top = levels[-1].limit_cents or 0
    raise AwardRuleBroken(
        "approval_chain",
        f"{amount_from_cents(cents)} is above what any approver may approve "
        f"({amount_from_cents(top)})",
        field="amount",
    )


def limit_of(levels: Sequence[ApprovalLevel], roles: frozenset[str]) -> int | None:
    """The highest approval limit among ``roles`` (None: unlimited); -1 for no level at all."""
    held = [level for level in levels if level.role in roles]
    if not held:
        return -1
    if any(level.limit_cents is None for level in held):
        return None
    return max(level.limit_cents or 0 for level in held)


@dataclass(frozen=True)
class Proposal:
    """A proposal as given, amounts already in cents."""

    kind: AwardKind
    cents: int
    currency: str
    days: int | None
    recipients: Sequence[str]


@dataclass(frozen=True)
class AwardRules:
    """The city's settings for awards."""

    levels: Sequence[ApprovalLevel]
    currency: str
    max_cents: int
    max_days: int

    def check(self, proposal: Proposal, authors: Sequence[str]) -> None:
        """Refuse a proposal whose amount, currency, days or recipients break a rule."""
        self._check_amount(proposal)
        if proposal.currency != self.currency:
            raise AwardRuleBroken(
                "currency",
                f"awards are in {self.currency}, not {proposal.currency}",
                field="currency",
            )
        self._check_days(proposal)
        check_recipients(proposal.recipients, authors)

    def _check_amount(self, proposal: Proposal) -> None:
        if proposal.kind in MONEY_KINDS:
            if proposal.cents <= 0:
                raise AwardRuleBroken(
                    "amount_positive", f"a {proposal.kind} award needs an amount above 0",
                    field="amount",
                )  # fmt: skip
            if proposal.cents > self.max_cents:
                raise AwardRuleBroken(
                    "amount_maximum",
                    f"an award may be at most {amount_from_cents(self.max_cents)}",
                    field="amount",
                )
        elif proposal.cents != 0:
            raise AwardRuleBroken(
                "amount_none", f"a {proposal.kind} award has no amount (0)", field="amount"
            )

    def _check_days(self, proposal: Proposal) -> None:
        if proposal.kind is not AwardKind.DAY_OFF:
            if proposal.days is not None:
                raise AwardRuleBroken("days", "only a day_off award has days", field="days")
            return
        if proposal.days is None or not 1 <= proposal.days <= self.max_days:
            raise AwardRuleBroken(
                "days", f"a day_off award gives 1 to {self.max_days} days", field="days"
            )

    def steps(self, cents: int) -> list[ApprovalLevel]:
        return chain(self.levels, cents)


def check_proposer(person_id: str, recipients: Sequence[str]) -> None:
    if person_id in recipients:
        raise AwardRuleBroken(
            "own_award", "one cannot propose an award for oneself", refusal="forbidden"
        )


def check_recipients(recipients: Sequence[str], authors: Sequence[str]) -> None:
    if not recipients:
        raise AwardRuleBroken("recipients", "name at least one recipient", field="recipient_ids")
    if len(set(recipients)) != len(recipients):
        raise AwardRuleBroken(
            "recipients", "a recipient is named more than once", field="recipient_ids"
        )
    strangers = [person for person in recipients if person not in authors]
    if strangers:
        raise AwardRuleBroken(
            "recipient_not_author",
            f"{len(strangers)} recipient(s) are not confirmed authors of the idea",
            field="recipient_ids",
        )


def split(cents: int, recipients: Sequence[str]) -> list[tuple[str, int]]:
    """``cents`` shared among ``recipients`` to the cent: equal shares, the remainder one cent
    each to the first recipients. The shares always add up to ``cents`` exactly."""
    share, remainder = divmod(cents, len(recipients))
    return [(person, share + (1 if i < remainder else 0)) for i, person in enumerate(recipients)]


def cents_of(amount: Decimal) -> int:
    """An amount of at most two decimals in cents (the schema has checked the places)."""
    return int((amount * 100).to_integral_value())


@dataclass(frozen=True)
class StepState:
    """Where an award's approval stands, for deciding who may act on its next step."""

    idea_unit_id: str
    proposed_by: str
    cents: int
    roles: Sequence[str]  # the chain's roles, lowest first
    decided_by: Sequence[str]  # who approved the steps so far, in order
    recipients: Sequence[str] = ()

    @property
    def next_step(self) -> int:
        """1-based number of the step waiting."""
        return len(self.decided_by) + 1

    @property
    def next_role(self) -> str:
        return self.roles[len(self.decided_by)]

    @property
    def is_last(self) -> bool:
        return self.next_step == len(self.roles)


SUPERVISOR = "supervisor"


def check_approver(
    levels: Sequence[ApprovalLevel],
    state: StepState,
    person_id: str,
    roles: frozenset[str],
    unit_ids: frozenset[str],
) -> None:
    """May this person approve (or reject) the waiting step? Not the proposer, not someone who
    approved an earlier step, only with the step's role (a supervisor only in the idea's unit),
    and never above their own limit."""
    if person_id == state.proposed_by:
        raise AwardRuleBroken(
            "own_proposal", "one cannot approve one's own proposal", refusal="forbidden"
        )
    if person_id in state.recipients:
        raise AwardRuleBroken(
            "own_award", "one cannot decide an award one would receive", refusal="forbidden"
        )
    if person_id in state.decided_by:
        raise AwardRuleBroken(
            "earlier_step",
            "one person approves one step of an award: you approved an earlier one",
            refusal="forbidden",
        )
    role = state.next_role
    if role not in roles:
        limit = limit_of(levels, roles)
        if limit is not None and 0 <= limit < state.cents:
            raise AwardRuleBroken(
                "approval_limit",
                f"{amount_from_cents(state.cents)} is above your approval limit "
                f"({amount_from_cents(limit)}); step {state.next_step} needs {role}",
                refusal="forbidden",
            )
        raise AwardRuleBroken(
            "step_role", f"step {state.next_step} is approved by {role}", refusal="forbidden"
        )
    if role == SUPERVISOR and state.idea_unit_id not in unit_ids:
        raise AwardRuleBroken(
            "supervisor_unit",
            "a supervisor approves awards for ideas of their own units only",
            refusal="forbidden",
        )
    # The chain was fixed when proposed; the limits may have been lowered since.
    level = next((level for level in levels if level.role == role), None)
    if level is None or (state.is_last and not level.covers(state.cents)):
        raise AwardRuleBroken(
            "approval_limit",
            f"{amount_from_cents(state.cents)} is above what {role} may approve now",
            refusal="forbidden",
        )
