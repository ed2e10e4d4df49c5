"""The settings of committee and supervisor awards, part of ``RewardSettings``
(``IDEAPAJA_REWARD_…``): approval limits per role, currency, maximum amount, days off, what is
taxable, and the time zone payroll periods and budget years are counted in. A wrong value stops
the service at start-up with the reason."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_settings import BaseSettings

from ideapaja_reward.authz import APPROVER_ROLES
from ideapaja_reward.domain.awards import (
    ApprovalLevel,
    AwardKind,
    AwardRules,
    cents_of,
    check_levels,
)
from ideapaja_runtime.authz import Role

Money = Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=2)]


class ApprovalLimit(BaseModel):
    """One level of the approval chain: a role and the most it may approve (null: no limit)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    role: Role
    limit: Money | None


DEFAULT_APPROVAL_LIMITS = (
    ApprovalLimit(role=Role.SUPERVISOR, limit=Decimal("100.00")),
    ApprovalLimit(role=Role.COMMITTEE_MEMBER, limit=Decimal("1000.00")),
    ApprovalLimit(role=Role.MANAGEMENT, limit=None),
)


class AwardSettings(BaseSettings):
    # Ordered from the lowest level up, e.g. IDEAPAJA_REWARD_APPROVAL_LIMITS=
    # '[{"role":"supervisor","limit":"100.00"},{"role":"committee_member","limit":"1000.00"},
    #   {"role":"management","limit":null}]'
    approval_limits: list[ApprovalLimit] = Field(
        default_factory=lambda: list(DEFAULT_APPROVAL_LIMITS)
    )
    # The one currency awards and budgets are in (ISO 4217).
    award_currency: str = Field(default="EUR", pattern=r"^[A-Z]{3}$")
    # The most one award may be (for all its recipients together).
    award_max_amount: Money = Field(default=Decimal("10000.00"), gt=0)
    # The most extra days off one award gives each recipient.
    award_max_days: int = Field(default=5, ge=1, le=30)
    # Which kinds payroll taxes (RewardGranted.taxable); points are never taxable here.
    taxable_kinds: frozenset[AwardKind] = frozenset({AwardKind.MONEY, AwardKind.GIFT})
    # Payroll periods (YYYY-MM) and budget years are counted in the city's time.
    payroll_timezone: str = "Europe/Helsinki"

    @field_validator("approval_limits")
    @classmethod
    def _valid_chain(cls, value: list[ApprovalLimit]) -> list[ApprovalLimit]:
        check_levels(_levels(value))
        return value

    @field_validator("approval_limits", mode="after")
    @classmethod
    def _approver_roles(cls, value: list[ApprovalLimit]) -> list[ApprovalLimit]:
        allowed = sorted(role.value for role in APPROVER_ROLES)
        for limit in value:
            if limit.role not in APPROVER_ROLES:
                raise ValueError(f"approval limits: {limit.role.value} may not approve ({allowed})")
        return value

    @field_validator("payroll_timezone")
    @classmethod
    def _known_zone(cls, value: Any) -> str:
        try:
            ZoneInfo(str(value))
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return str(value)

    @property
    def award_rules(self) -> AwardRules:
        return AwardRules(
            levels=_levels(self.approval_limits),
            currency=self.award_currency,
            max_cents=cents_of(self.award_max_amount),
            max_days=self.award_max_days,
        )

    def local(self, instant: datetime) -> datetime:
        """``instant`` in the city's time (payroll periods, budget years)."""
        return instant.astimezone(ZoneInfo(self.payroll_timezone))

    def period_of(self, instant: datetime) -> str:
        return self.local(instant).strftime("%Y-%m")

    def taxable(self, kind: str) -> bool:
        return kind in {k.value for k in self.taxable_kinds}


def _levels(limits: list[ApprovalLimit]) -> list[ApprovalLevel]:
    return [
        ApprovalLevel(
            role=limit.role.value,
            limit_cents=None if limit.limit is None else cents_of(limit.limit),
        )
        for limit in limits
    ]
