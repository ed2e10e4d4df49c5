"""Routing rules per department: reviewers, deciders, fallbacks, committees and deadlines."""

from __future__ import annotations

from dataclasses import replace

import pytest
from test_domain_routing import PEOPLE, UNITS

from ideapaja_contracts.events.idea import Scope
from ideapaja_review.domain.lifecycle import CaseState
from ideapaja_review.domain.routing import RoutedVia, Routing, department_reviewers, route
from ideapaja_review.domain.rules import (
    DEFAULT_RULE,
    DEFAULT_RULE_ID,
    Deadlines,
    RoutingRule,
    rule_for,
    with_overrides,
)


def test_defaults_route_as_the_foundation_did() -> None:
    assert DEFAULT_RULE.reviewer_roles(Scope.UNIT) == {"change_agent", "supervisor"}
    assert DEFAULT_RULE.reviewer_roles(Scope.CITY) == {"committee_member"}
    assert DEFAULT_RULE.decider_roles(Scope.DEPARTMENT) == {"change_agent", "supervisor"}
    assert not DEFAULT_RULE.goes_to_committee(Scope.DEPARTMENT)


def test_supervisors_only_for_unit_ideas() -> None:
    rule = RoutingRule(unit_reviewer_roles=frozenset({"supervisor"}))
    assert route(Scope.UNIT, "u-kirjasto", UNITS, PEOPLE, rule=rule) == Routing(
        ("p-sup-kirjasto",), RoutedVia.UNIT
    )


def test_no_fallback_leaves_a_unit_without_reviewers_unrouted() -> None:
    rule = RoutingRule(unit_falls_back_to_department=False)
    assert route(Scope.UNIT, "u-tyhja", UNITS, PEOPLE, rule=rule) == Routing((), RoutedVia.NOBODY)
    assert route(Scope.UNIT, "u-tyhja", UNITS, PEOPLE).via is RoutedVia.PARENT_DEPARTMENT


def test_fallback_uses_the_department_reviewer_roles() -> None:
    rule = RoutingRule(department_reviewer_roles=frozenset({"supervisor"}))
    assert route(Scope.UNIT, "u-tyhja", UNITS, PEOPLE, rule=rule).reviewer_ids == (
        "p-sup-sivistys",
    )


def test_department_ideas_only_to_the_department_unit_itself() -> None:
    rule = RoutingRule(department_includes_units=False)
    assert route(Scope.DEPARTMENT, "d-sivistys", UNITS, PEOPLE, rule=rule).reviewer_ids == (
        "p-ca-sivistys",
        "p-sup-sivistys",
    )


def test_department_ideas_to_the_committee() -> None:
    rule = RoutingRule(department_ideas_to_committee=True)
    assert rule.reviewer_roles(Scope.DEPARTMENT) == {"committee_member"}
    routed = route(Scope.DEPARTMENT, "d-sivistys", UNITS, PEOPLE, rule=rule)
    assert routed == Routing(("p-com-1", "p-com-2"), RoutedVia.COMMITTEE)


def test_a_configured_committee_replaces_the_hr_role_and_excludes_authors() -> None:
    routed = route(
        Scope.CITY,
        "u-kirjasto",
        UNITS,
        PEOPLE,
        authors=["p-chair"],
        committee_member_ids=["p-chair", "p-member", "p-secretary"],
    )
    assert routed == Routing(("p-member", "p-secretary"), RoutedVia.COMMITTEE)


def test_department_reviewers_are_those_seated_in_the_department() -> None:
    assert department_reviewers("u-kirjasto", UNITS, PEOPLE) == ("p-ca-sivistys", "p-sup-sivistys")
    assert department_reviewers("u-kirjasto", UNITS, PEOPLE, authors=["p-ca-sivistys"]) == (
        "p-sup-sivistys",
    )


def test_rules_are_layered_base_then_default_then_department() -> None:
    base = RoutingRule(deadlines=Deadlines(screening_days=10, in_review_days=50))
    stored = {
        DEFAULT_RULE_ID: {
            "unit_falls_back_to_department": False,
            "deadlines": {"screening_days": 7},
        },
        "d-sivistys": {
            "escalate": False,
            "unit_decider_roles": ["supervisor"],
            "deadlines": {"in_review_days": 30},
        },
    }
    own = rule_for("d-sivistys", stored, base)
    assert own.escalate is False and own.unit_falls_back_to_department is False
    assert own.unit_decider_roles == frozenset({"supervisor"})
    assert (own.deadlines.screening_days, own.deadlines.in_review_days) == (7, 30)
    other = rule_for("d-tekninen", stored, base)
    assert other.escalate is True and other.unit_falls_back_to_department is False
    assert (other.deadlines.screening_days, other.deadlines.in_review_days) == (7, 50)
    assert rule_for("d-tekninen", {}, base) == base
    assert rule_for(DEFAULT_RULE_ID, stored, base).escalate is True


def test_unknown_stored_keys_are_ignored() -> None:
    rule = with_overrides(DEFAULT_RULE, {"from_the_future": 1, "deadlines": {"later": 2}})
    assert rule == DEFAULT_RULE


@pytest.mark.parametrize(
    ("state", "days"),
    [
        (CaseState.SCREENING, 3),
        (CaseState.IN_REVIEW, 4),
        (CaseState.EXPERIMENT, 5),
        (CaseState.IMPLEMENTING, 6),
        (CaseState.DECIDED, None),
        (CaseState.GOOD_PRACTICE, None),
    ],
)
def test_deadline_days_per_step(state: CaseState, days: int | None) -> None:
    deadlines = Deadlines(
        screening_days=3, in_review_days=4, experiment_report_days=5, implementing_days=6
    )
    assert deadlines.days_for(state) == days
    assert replace(deadlines, screening_days=None).days_for(CaseState.SCREENING) is None
