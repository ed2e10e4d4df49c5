"""Routing rules: how one department wants its ideas reviewed, without code changes.

Rules are layered: the built-in rule (deadlines from the service's settings), overridden by the
stored city-wide ``default`` rule, overridden by the department's own stored rule. A stored rule
holds only what it changes, so an admin writes only what differs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

from ideapaja_contracts.events.hr import HrRole
from ideapaja_contracts.events.idea import Scope
from ideapaja_review.domain.lifecycle import CaseState

DEFAULT_RULE_ID = "default"

SCREENER_ROLES = frozenset({HrRole.CHANGE_AGENT.value, HrRole.SUPERVISOR.value})
COMMITTEE_ROLES = frozenset({HrRole.COMMITTEE_MEMBER.value})
# The roles a rule may name as reviewers or deciders.
ASSIGNABLE_ROLES = frozenset(r.value for r in HrRole) - {HrRole.EMPLOYEE.value}


@dataclass(frozen=True)
class Deadlines:
    """Days each step may take before it is overdue and escalated; None = no deadline."""

    screening_days: int | None = 14
    in_review_days: int | None = 60
    # Counted from the experiment's planned end date: time to record its results.
    experiment_report_days: int | None = 30
    implementing_days: int | None = 365
    # After each escalation, the next level gets this long before the next one.
    escalation_days: int = 7

    def days_for(self, state: CaseState) -> int | None:
        return {
            CaseState.SCREENING: self.screening_days,
            CaseState.IN_REVIEW: self.in_review_days,
            CaseState.EXPERIMENT: self.experiment_report_days,
            CaseState.IMPLEMENTING: self.implementing_days,
        }.get(state)


@dataclass(frozen=True)
class RoutingRule:
    # Who receives (screens) unit-scope and department-scope ideas.
    unit_reviewer_roles: frozenset[str] = SCREENER_ROLES
    department_reviewer_roles: frozenset[str] = SCREENER_ROLES
    # Who may make the final accepted/rejected decision on them (a subset of the reviewers;
    # e.g. only supervisors, while change agents screen).
    unit_decider_roles: frozenset[str] = SCREENER_ROLES
    department_decider_roles: frozenset[str] = SCREENER_ROLES
    # A unit with no reviewer of its own routes to its department's reviewers.
    unit_falls_back_to_department: bool = True
    # Department ideas go to reviewers in the department and every unit below it (else only
    # those placed in the department unit itself).
    department_includes_units: bool = True
    # Department ideas go to the committee, like city ideas.
    department_ideas_to_committee: bool = False
    # The committee reviewing this department's city ideas (None: the city-wide committee).
    committee_id: str | None = None
    # Committee ideas are accepted or rejected only by the committee in a meeting, in any state
    # (domain/access.decision_denied).
    city_decisions_in_meeting: bool = True
    # Overdue steps escalate; False only flags them overdue on the work lists.
    escalate: bool = True
    deadlines: Deadlines = field(default_factory=Deadlines)

    def reviewer_roles(self, scope: Scope) -> frozenset[str]:
        if self.goes_to_committee(scope):
            return COMMITTEE_ROLES
        return self.unit_reviewer_roles if scope is Scope.UNIT else self.department_reviewer_roles

    def decider_roles(self, scope: Scope) -> frozenset[str]:
        if self.goes_to_committee(scope):
            return COMMITTEE_ROLES
        return self.unit_decider_roles if scope is Scope.UNIT else self.department_decider_roles

    def goes_to_committee(self, scope: Scope) -> bool:
        return scope is Scope.CITY or (
            scope is Scope.DEPARTMENT and self.department_ideas_to_committee
        )


DEFAULT_RULE = RoutingRule()


ROLE_FIELDS = frozenset(
    {
        "unit_reviewer_roles",
        "department_reviewer_roles",
        "unit_decider_roles",
        "department_decider_roles",
    }
)
RULE_FIELDS = frozenset(f.name for f in fields(RoutingRule))
DEADLINE_FIELDS = frozenset(f.name for f in fields(Deadlines))


def with_overrides(rule: RoutingRule, overrides: Mapping[str, Any]) -> RoutingRule:
    """``rule`` with the fields ``overrides`` names replaced (deadlines field by field).
    Unknown keys are ignored, so a rule stored by a newer version still loads."""
    changes: dict[str, Any] = {}
    for name, value in overrides.items():
        if name not in RULE_FIELDS:
            continue
        if name == "deadlines":
            known = {k: v for k, v in dict(value).items() if k in DEADLINE_FIELDS}
            changes[name] = replace(rule.deadlines, **known)
        elif name in ROLE_FIELDS:
            changes[name] = frozenset(value)
        else:
            changes[name] = value
    return replace(rule, **changes)


def rule_for(
    department_id: str, stored: Mapping[str, Mapping[str, Any]], base: RoutingRule
) -> RoutingRule:
    """The rule of ``department_id``: ``base``, then the stored default, then its own."""
    rule = with_overrides(base, stored.get(DEFAULT_RULE_ID, {}))
    if department_id != DEFAULT_RULE_ID:
        rule = with_overrides(rule, stored.get(department_id, {}))
    return rule
