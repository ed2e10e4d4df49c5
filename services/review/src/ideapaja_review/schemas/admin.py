"""Routing rules, the change-agent network and the deadline sweep."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ideapaja_review.domain.rules import Deadlines, RoutingRule

RoleName = Literal[
    "change_agent", "supervisor", "committee_member", "reward_approver", "management"
]
Roles = Annotated[list[RoleName], Field(min_length=1, max_length=5)]
Days = Annotated[int, Field(ge=1, le=1830)]


class DeadlinesBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    screening_days: Days | None = None
    in_review_days: Days | None = None
    experiment_report_days: Days | None = None
    implementing_days: Days | None = None
    escalation_days: Days | None = Field(
        default=None, description="Days each escalation level gets; cannot be null."
    )

    @model_validator(mode="after")
    def escalation_days_not_null(self) -> DeadlinesBody:
        if "escalation_days" in self.model_fields_set and self.escalation_days is None:
            raise ValueError("escalation_days cannot be null; leave it out to inherit it")
        return self


class RoutingRuleBody(BaseModel):
    """Only what differs from the rule below it (built-in → ``default`` → department). A
    deadline set to null means "no deadline" for that step; leave it out to inherit it."""

    model_config = ConfigDict(extra="forbid")

    unit_reviewer_roles: Roles | None = None
    department_reviewer_roles: Roles | None = None
    unit_decider_roles: Roles | None = None
    department_decider_roles: Roles | None = None
    unit_falls_back_to_department: bool | None = None
    department_includes_units: bool | None = None
    department_ideas_to_committee: bool | None = None
    committee_id: Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{1,64}$")] | None = None
    city_decisions_in_meeting: bool | None = None
    escalate: bool | None = None
    deadlines: DeadlinesBody | None = None

    def overrides(self) -> dict[str, Any]:
        """What to store: the fields the admin set (null deadlines included)."""
        return self.model_dump(mode="json", exclude_unset=True)


class EffectiveDeadlines(BaseModel):
    screening_days: int | None
    in_review_days: int | None
    experiment_report_days: int | None
    implementing_days: int | None
    escalation_days: int

    @classmethod
    def of(cls, deadlines: Deadlines) -> EffectiveDeadlines:
        return cls(**deadlines.__dict__)


class EffectiveRule(BaseModel):
    unit_reviewer_roles: list[str]
    department_reviewer_roles: list[str]
    unit_decider_roles: list[str]
    department_decider_roles: list[str]
    unit_falls_back_to_department: bool
    department_includes_units: bool
    department_ideas_to_committee: bool
    committee_id: str | None
    city_decisions_in_meeting: bool
    escalate: bool
    deadlines: EffectiveDeadlines

    @classmethod
    def of(cls, rule: RoutingRule) -> EffectiveRule:
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
            deadlines=EffectiveDeadlines.of(rule.deadlines),
        )


class RulePublic(BaseModel):
    department_id: str
    stored: dict[str, Any] | None = Field(description="What the admins stored (null: nothing).")
    effective: EffectiveRule = Field(description="The rule in force, after layering.")
    updated_at: datetime | None
    updated_by: str | None


class RuleList(BaseModel):
    builtin: EffectiveRule
    rules: list[RulePublic]


class AssignmentRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    unit_id: Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{1,64}$")]
    person_id: Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{1,64}$")]
    role: Literal["change_agent", "supervisor"] = "change_agent"


class WorkloadPublic(BaseModel):
    open_cases: int = Field(description="Cases in screening or review on their list.")
    overdue_cases: int


class NetworkMemberPublic(BaseModel):
    person_id: str
    unit_id: str
    roles: list[str]
    sources: list[Literal["hr", "assigned"]]
    workload: WorkloadPublic


class NetworkPublic(BaseModel):
    members: list[NetworkMemberPublic]
    units_without_reviewers: list[str] = Field(
        description="Units with nobody screening: their ideas go to the department's reviewers."
    )


class ReviewerWorkload(BaseModel):
    person_id: str
    workload: WorkloadPublic


class SweepResult(BaseModel):
    escalated: int
    case_ids: list[str]
