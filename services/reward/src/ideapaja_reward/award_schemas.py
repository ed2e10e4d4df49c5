"""What the award, budget and grant-report routes take and answer (documented in OpenAPI
through these models)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from ideapaja_contracts.base import ID_PATTERN
from ideapaja_reward.db.models import AwardRow, AwardStepRow, BudgetRow
from ideapaja_reward.domain.awards import AwardKind, AwardStatus
from ideapaja_reward.domain.money import amount_from_cents

IdText = Annotated[str, StringConstraints(pattern=ID_PATTERN)]
# Amounts in euros with cents; the rules (above 0, at most the maximum) answer with their name.
Amount = Annotated[Decimal, Field(max_digits=12, decimal_places=2)]
Currency = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
Reason = Annotated[str, StringConstraints(min_length=1, max_length=200, strip_whitespace=True)]


class AwardCreate(BaseModel):
    """A proposal: what, how much, for whom of the idea's authors, and why."""

    model_config = ConfigDict(extra="forbid")

    idea_id: IdText = Field(description="The idea the award is for")
    kind: AwardKind = Field(
        description="money, gift (a gift card), day_off (extra days off) or recognition"
    )
    amount: Amount = Field(
        default=Decimal("0.00"),
        description="Euros with cents for all recipients together (money and gift: above 0, "
        "at most the configured maximum; day_off and recognition: 0)",
    )
    currency: Currency | None = Field(
        default=None, description="ISO 4217 code; must be the configured one (default: it)"
    )
    days: int | None = Field(
        default=None, ge=1, le=365, description="Extra days off for each recipient (day_off only)"
    )
    recipient_ids: list[IdText] | None = Field(
        default=None,
        min_length=1,
        max_length=50,
        description="Who of the idea's confirmed authors receive it (default: all of them); "
        "the amount is shared equally, remaining cents to the first named",
    )
    justification: Reason = Field(description="Why the idea deserves it (HR and payroll read it)")


class ApprovalCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Reason | None = Field(default=None, description="An optional note for the trail")


class RejectionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Reason = Field(description="Why the award is rejected (required)")


class AwardStepPublic(BaseModel):
    """One decision in an award's approval trail."""

    model_config = ConfigDict(from_attributes=True)

    step: int = Field(description="The step decided, 1 = the first")
    role: str = Field(description="The role the step needed")
    decision: str = Field(description="approved or rejected")
    decided_by: str = Field(description="Who decided it")
    reason: str | None = Field(description="Their reason (always given for a rejection)")
    decided_at: datetime = Field(description="When")


class AwardPublic(BaseModel):
    """A proposed award and where its approval stands."""

    id: str = Field(description="The award's id (also the approval trail id payroll receives)")
    idea_id: str = Field(description="The idea it is for")
    unit_id: str = Field(description="The idea's unit (the cost centre)")
    department_id: str | None = Field(description="The department whose budget it uses")
    kind: AwardKind = Field(description="money, gift, day_off or recognition")
    amount: Decimal = Field(description="The total for all recipients")
    currency: str = Field(description="ISO 4217 code")
    days: int | None = Field(description="Extra days off for each recipient (day_off)")
    recipient_ids: list[str] = Field(
        description="Who receive it; empty where the idea is anonymous and the reader is "
        "neither in its approval chain nor HR"
    )
    recipients_hidden: bool = Field(description="Whether the recipients are withheld from you")
    justification: str = Field(description="Why")
    proposed_by: str = Field(description="Who proposed it")
    proposed_at: datetime = Field(description="When")
    status: AwardStatus = Field(description="pending, approved (granted) or rejected")
    approval_roles: list[str] = Field(description="The roles that approve it, step by step")
    approved_steps: int = Field(description="How many steps are approved")
    next_role: str | None = Field(description="The role the waiting step needs; null if none")
    decided_at: datetime | None = Field(description="When it was granted or rejected")

    @classmethod
    def of(cls, award: AwardRow, *, show_recipients: bool) -> AwardPublic:
        return cls(
            id=award.award_id,
            idea_id=award.idea_id,
            unit_id=award.unit_id,
            department_id=award.department_id,
            kind=AwardKind(award.kind),
            amount=amount_from_cents(award.amount_cents),
            currency=award.currency,
            days=award.days,
            recipient_ids=list(award.recipient_ids) if show_recipients else [],
            recipients_hidden=not show_recipients,
            justification=award.justification,
            proposed_by=award.proposed_by,
            proposed_at=award.proposed_at,
            status=AwardStatus(award.status),
            approval_roles=list(award.approval_roles),
            approved_steps=award.approved_steps,
            next_role=award.next_role,
            decided_at=award.decided_at,
        )


class AwardDetail(AwardPublic):
    trail: list[AwardStepPublic] = Field(description="Every decision so far, step by step")

    @classmethod
    def with_trail(
        cls, award: AwardRow, steps: list[AwardStepRow], *, show_recipients: bool
    ) -> AwardDetail:
        public = AwardPublic.of(award, show_recipients=show_recipients)
        trail = [AwardStepPublic.model_validate(step) for step in steps]
        return cls(**public.model_dump(), trail=trail)


class BudgetUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    amount: Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=2)] = Field(
        description="The year's award budget in euros with cents"
    )
    currency: Currency | None = Field(
        default=None, description="ISO 4217 code; must be the configured one (default: it)"
    )


class BudgetPublic(BaseModel):
    department_id: str = Field(description="The department (as HR knows it)")
    year: int = Field(description="The budget year (the city's calendar year)")
    amount: Decimal = Field(description="The budget")
    committed: Decimal = Field(description="Held by pending and approved money and gift awards")
    left: Decimal = Field(description="What new awards may still use")
    currency: str = Field(description="ISO 4217 code")
    updated_by: str = Field(description="Who set it last")
    updated_at: datetime = Field(description="When")

    @classmethod
    def of(cls, row: BudgetRow) -> BudgetPublic:
        return cls(
            department_id=row.department_id,
            year=row.year,
            amount=amount_from_cents(row.amount_cents),
            committed=amount_from_cents(row.committed_cents),
            left=amount_from_cents(row.amount_cents - row.committed_cents),
            currency=row.currency,
            updated_by=row.updated_by,
            updated_at=row.updated_at,
        )


class GrantTotal(BaseModel):
    id: str | None = Field(description="The unit, department or kind (null: no department)")
    grants: int = Field(description="How many grants")
    amount: Decimal = Field(description="Money and gift card amounts together")
    points: int = Field(description="Points together")
    days: int = Field(description="Extra days off together")


class GrantTotalsPublic(BaseModel):
    """The grants of a period (its first to its last day, inclusive) summed up."""

    currency: str = Field(description="The currency of every amount")
    total: GrantTotal = Field(description="Every grant of the period")
    units: list[GrantTotal] = Field(description="Per unit (the idea's unit), by id")
    departments: list[GrantTotal] = Field(description="Per department, by id")
    kinds: list[GrantTotal] = Field(description="Per kind of reward")
