"""Routing rules, the change-agent network and the deadline sweep."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ideapaja_review.db.network import NetworkMember, Workload
from ideapaja_review.domain.rules import Deadlines, RoutingRule
from ideapaja_review.usecases.administration import RuleInForce

RoleName = Literal[
    "change_agent", "supervisor", "committee_member", "reward_approver", "management"
]
Roles = Annotated[list[RoleName], Field(min_length=1, max_length=5)]
Days = Annotated[int, Field(ge=1, le=1830)]


_ROLES = "Roles (change_agent, supervisor, committee_member, reward_approver, management)"
_DAYS = "Days {step} may take; null: no deadline."


class DeadlinesUpdate(BaseModel):
    """Deadlines per step in days; leave a step out to inherit its deadline."""

    model_config = ConfigDict(extra="forbid")

    screening_days: Days | None = Field(default=None, description=_DAYS.format(step="screening"))
    in_review_days: Days | None = Field(default=None, description=_DAYS.format(step="review"))
    experiment_report_days: Days | None = Field(
        default=None, description=_DAYS.format(step="an experiment's report after its end")
    )
    implementing_days: Days | None = Field(
        default=None, description=_DAYS.format(step="implementation")
    )
    escalation_days: Days | None = Field(
        default=None, description="Days each escalation level gets; cannot be null."
    )

    @model_validator(mode="after")
    def escalation_days_not_null(self) -> DeadlinesUpdate:
        if "escalation_days" in self.model_fields_set and self.escalation_days is None:
            raise ValueError("escalation_days cannot be null; leave it out to inherit it")
        return self


class RoutingRuleUpdate(BaseModel):
    """Only what differs from the rule below it (built-in → ``default`` → department). A
    deadline set to null means "no deadline" for that step; leave it out to inherit it."""

    model_config = ConfigDict(extra="forbid")

    unit_reviewer_roles: Roles | None = Field(
        default=None, description=f"{_ROLES} that screen a unit's ideas."
    )
    department_reviewer_roles: Roles | None = Field(
        default=None, description=f"{_ROLES} that screen a department's ideas."
    )
    unit_decider_roles: Roles | None = Field(
        default=None, description=f"{_ROLES} that decide a unit's ideas."
    )
    department_decider_roles: Roles | None = Field(
        default=None, description=f"{_ROLES} that decide a department's ideas."
    )
    unit_falls_back_to_department: bool | None = Field(
        default=None,
        description="A unit's idea with no reviewer in the unit goes to its department.",
    )
    department_includes_units: bool | None = Field(
        default=None, description="A department's reviewers also review its units' ideas."
    )
    department_ideas_to_committee: bool | None = Field(
        default=None, description="Department ideas accepted for review go to a committee."
    )
    committee_id: Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{1,64}$")] | None = Field(
        default=None, description="The committee for the department's ideas (default: city-wide)."
    )
    city_decisions_in_meeting: bool | None = Field(
        default=None, description="City ideas are decided only in a committee meeting."
    )
    escalate: bool | None = Field(
        default=None, description="Overdue steps are escalated to the next level."
    )
    deadlines: DeadlinesUpdate | None = Field(default=None, description="Deadlines per step.")

    def overrides(self) -> dict[str, Any]:
        """What to store: the fields the admin set (null deadlines included)."""
        return self.model_dump(mode="json", exclude_unset=True)


class EffectiveDeadlinesPublic(BaseModel):
    """The deadlines in force per step, in days."""

    screening_days: int | None = Field(description=_DAYS.format(step="screening"))
    in_review_days: int | None = Field(description=_DAYS.format(step="review"))
    experiment_report_days: int | None = Field(
        description=_DAYS.format(step="an experiment's report after its end")
    )
    implementing_days: int | None = Field(description=_DAYS.format(step="implementation"))
    escalation_days: int = Field(description="Days each escalation level gets.")

    @classmethod
    def of(cls, deadlines: Deadlines) -> EffectiveDeadlinesPublic:
        return cls(**deadlines.__dict__)


class EffectiveRulePublic(BaseModel):
    """A routing rule as it is in force."""

    unit_reviewer_roles: list[str] = Field(description="Roles that screen a unit's ideas.")
    department_reviewer_roles: list[str] = Field(
        description="Roles that screen a department's ideas."
    )
    unit_decider_roles: list[str] = Field(description="Roles that decide a unit's ideas.")
    department_decider_roles: list[str] = Field(
        description="Roles that decide a department's ideas."
    )
    unit_falls_back_to_department: bool = Field(
        description="A unit's idea with no reviewer in the unit goes to its department."
    )
    department_includes_units: bool = Field(
        description="A department's reviewers also review its units' ideas."
    )
    department_ideas_to_committee: bool = Field(
        description="Department ideas accepted for review go to a committee."
    )
    committee_id: str | None = Field(
        description="The committee for the department's ideas; null: the city-wide one."
    )
    city_decisions_in_meeting: bool = Field(
        description="City ideas are decided only in a committee meeting."
    )
    escalate: bool = Field(description="Overdue steps are escalated to the next level.")
    deadlines: EffectiveDeadlinesPublic = Field(description="Deadlines per step.")

    @classmethod
    def of(cls, rule: RoutingRule) -> EffectiveRulePublic:
        return cls(
            unit_reviewer_roles=sorted(rule.unit_reviewer_roles),
            department_reviewer_roles=sorted(rule.department_reviewer_roles),
            unit_decider_roles=sorted(rule.unit_decider_roles),
            department_decider_roles=sorted(rule.department_decider_roles),
            unit_falls_back_to_department=rule.unit_falls_back_to_department,
            department_includes_units=rule.department_includes_units,
            department_ideas_to_committee=rule.department_ideas_to_committee,
            committee_id=rule.committee_id,
            city_decisions_in_meeting=rule.city_decisions_in_meeting,
            escalate=rule.escalate,
            deadlines=EffectiveDeadlinesPublic.of(rule.deadlines),
        )


class RulePublic(BaseModel):
    """A department's routing rule: what is stored and what is in force."""

    id: str = Field(
        description="The rule's id: the department it is for, or 'default' for the city-wide rule."
    )
    stored: dict[str, Any] | None = Field(description="What the admins stored (null: nothing).")
    effective: EffectiveRulePublic = Field(description="The rule in force, after layering.")
    updated_at: datetime | None = Field(description="When it was stored; null if never.")
    updated_by: str | None = Field(description="Who stored it; null if never.")

    @classmethod
    def of(cls, rule: RuleInForce) -> RulePublic:
        return cls(
            id=rule.department_id,
            stored=rule.stored,
            effective=EffectiveRulePublic.of(rule.effective),
            updated_at=rule.updated_at,
            updated_by=rule.updated_by,
        )


class AssignmentCreate(BaseModel):
    """An admin's assignment of a change agent (or supervisor) to a unit."""

    model_config = ConfigDict(extra="forbid")

    unit_id: Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{1,64}$")] = Field(
        description="The unit they screen ideas for."
    )
    person_id: Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{1,64}$")] = Field(
        description="The person assigned."
    )
    role: Literal["change_agent", "supervisor"] = Field(
        default="change_agent", description="The role they have in the unit."
    )


class WorkloadPublic(BaseModel):
    """A reviewer's open cases."""

    model_config = ConfigDict(from_attributes=True)

    open_cases: int = Field(description="Cases in screening or review on their list.")
    overdue_cases: int = Field(description="Those of them whose current step is overdue.")


class NetworkMemberPublic(BaseModel):
    """A screener of a unit (HR's role, an admin's assignment or both) and their workload."""

    person_id: str = Field(description="The screener.")
    unit_id: str = Field(description="The unit they screen ideas for.")
    roles: list[str] = Field(description="Their screening roles there.")
    sources: list[Literal["hr", "assigned"]] = Field(
        description="Where the roles come from: hr, assigned (by an admin) or both."
    )
    workload: WorkloadPublic = Field(description="Their open cases.")

    @classmethod
    def of(cls, member: NetworkMember) -> NetworkMemberPublic:
        return cls(
            person_id=member.person_id,
            unit_id=member.unit_id,
            roles=sorted(member.roles),
            sources=sorted(member.sources),
            workload=WorkloadPublic.model_validate(member.workload),
        )


class UncoveredUnitPublic(BaseModel):
    """A unit nobody screens in: its ideas go to the department's reviewers."""

    id: str = Field(description="The unit's id.")


class ReviewerWorkloadPublic(BaseModel):
    """A reviewer's workload."""

    person_id: str = Field(description="The reviewer.")
    workload: WorkloadPublic = Field(description="Their open cases.")

    @classmethod
    def of(cls, person_id: str, workload: Workload) -> ReviewerWorkloadPublic:
        return cls(person_id=person_id, workload=WorkloadPublic.model_validate(workload))


class SweepPublic(BaseModel):
    """What a deadline sweep escalated, and whose reviewers it reminded of a deadline near."""

    escalated: int = Field(description="How many overdue steps were escalated.")
    case_ids: list[str] = Field(description="The cases escalated.")
    reminded: int = Field(
        description="How many steps due within the warning period had their reviewers reminded."
    )
    reminded_case_ids: list[str] = Field(description="The cases whose reviewers were reminded.")
