"""Who may view and decide a case."""

from __future__ import annotations

import pytest

from ideapaja_contracts.events.idea import Scope
from ideapaja_contracts.events.review import Decision
from ideapaja_review.domain.access import (
    FINAL_DECISIONS,
    decision_denied,
    is_author,
    may_view,
    reopen_denied,
    steward_denied,
)
from ideapaja_review.domain.rules import RoutingRule
from ideapaja_runtime.authz import ALL_ROLES

REVIEWERS = ("p-ca", "p-sup")


@pytest.mark.parametrize("scope", list(Scope))
def test_admin_may_decide_any_case_even_unrouted(scope: Scope) -> None:
    assert decision_denied("p-admin", {"admin"}, scope, ()) is None


@pytest.mark.parametrize("roles", [{"change_agent"}, {"supervisor"}, {"employee", "supervisor"}])
@pytest.mark.parametrize("scope", [Scope.UNIT, Scope.DEPARTMENT])
def test_listed_screeners_may_decide_unit_and_department_ideas(
    roles: set[str], scope: Scope
) -> None:
    assert decision_denied("p-ca", roles, scope, REVIEWERS) is None


@pytest.mark.parametrize("scope", list(Scope))
def test_people_off_the_list_may_not_decide(scope: Scope) -> None:
    denied = decision_denied("p-other-ca", {"change_agent", "committee_member"}, scope, REVIEWERS)
    assert denied is not None and "not a reviewer" in denied.reason


def test_city_ideas_are_for_committee_members_only() -> None:
    listed = ("p-com", "p-ca")
    assert decision_denied("p-com", {"committee_member"}, Scope.CITY, listed) is None
    denied = decision_denied("p-ca", {"change_agent", "supervisor"}, Scope.CITY, listed)
    assert denied is not None and "committee_member" in denied.reason


def test_a_listed_person_whose_token_lacks_the_role_is_refused() -> None:
    denied = decision_denied("p-ca", {"employee"}, Scope.UNIT, REVIEWERS)
    assert denied is not None and "change_agent" in denied.reason


def test_viewing() -> None:
    assert may_view("p-ca", {"change_agent"}, REVIEWERS)
    assert may_view("p-admin", {"admin"}, REVIEWERS)
    assert not may_view("p-x", {"change_agent", "committee_member"}, REVIEWERS)


# --- Rules, final decisions, reopening and stewardship -------------------------------------------


def test_deciders_may_be_a_subset_of_the_reviewers() -> None:
    rule = RoutingRule(unit_decider_roles=frozenset({"supervisor"}))
    ca = ("p-ca", {"change_agent"}, Scope.UNIT, REVIEWERS)
    for screening_outcome in (Decision.NEEDS_INFO, Decision.DUPLICATE, Decision.FORWARDED, None):
        assert decision_denied(*ca, decision=screening_outcome, rule=rule) is None
    for final in (Decision.ACCEPTED, Decision.REJECTED):
        denied = decision_denied(*ca, decision=final, rule=rule)
        assert denied is not None and "supervisor" in denied.reason
        assert (
            decision_denied(
                "p-sup", {"supervisor"}, Scope.UNIT, REVIEWERS, decision=final, rule=rule
            )
            is None
        )


# Every role a token can carry, alone and all together (an admin who is also a member).
EVERY_ROLE = [{r} for r in sorted(ALL_ROLES)] + [set(ALL_ROLES)]


@pytest.mark.parametrize("roles", EVERY_ROLE, ids=lambda r: "+".join(sorted(r)))
@pytest.mark.parametrize("decision", sorted(FINAL_DECISIONS))
@pytest.mark.parametrize("scope", [Scope.CITY, Scope.DEPARTMENT])
def test_committee_ideas_are_accepted_or_rejected_only_in_a_meeting(
    roles: set[str], decision: Decision, scope: Scope
) -> None:
    """Nobody, of any role, decides a committee's idea alone on the case: in screening and in
    review it is the committee's decision, made in a meeting (the state is not a way round)."""
    rule = RoutingRule(department_ideas_to_committee=True)
    denied = decision_denied("p-com", roles, scope, ("p-com",), decision=decision, rule=rule)
    assert denied is not None and "committee meeting" in denied.reason


@pytest.mark.parametrize("decision", sorted(set(Decision) - FINAL_DECISIONS))
def test_committee_members_screen_the_committees_ideas(decision: Decision) -> None:
    member = ("p-com", {"committee_member"}, Scope.CITY, ("p-com",))
    assert decision_denied(*member, decision=decision) is None
    assert decision_denied(*member) is None  # accept for review
    assert decision_denied("p-admin", {"admin"}, Scope.CITY, (), decision=decision) is None
    supervisor = decision_denied("p-com", {"supervisor"}, Scope.CITY, ("p-com",), decision=decision)
    assert supervisor is not None


def test_a_rule_may_let_deciders_decide_committee_ideas_on_the_case() -> None:
    relaxed = RoutingRule(city_decisions_in_meeting=False)
    member = ("p-com", {"committee_member"}, Scope.CITY, ("p-com",))
    assert decision_denied(*member, decision=Decision.ACCEPTED, rule=relaxed) is None
    admin = ("p-admin", {"admin"}, Scope.CITY, ())
    assert decision_denied(*admin, decision=Decision.REJECTED, rule=relaxed) is None


def test_reopening_is_for_listed_deciders_and_admins() -> None:
    assert reopen_denied("p-ca", {"change_agent"}, Scope.UNIT, REVIEWERS) is None
    assert reopen_denied("p-admin", {"admin"}, Scope.UNIT, ()) is None
    off_list = reopen_denied("p-x", {"change_agent"}, Scope.UNIT, REVIEWERS)
    assert off_list is not None and "not a reviewer" in off_list.reason
    rule = RoutingRule(unit_decider_roles=frozenset({"supervisor"}))
    wrong_role = reopen_denied("p-ca", {"change_agent"}, Scope.UNIT, REVIEWERS, rule=rule)
    assert wrong_role is not None and "supervisor" in wrong_role.reason


def test_stewards_are_listed_reviewers_the_owner_and_admins() -> None:
    assert steward_denied("p-ca", {"change_agent"}, REVIEWERS) is None
    assert steward_denied("p-owner", {"employee"}, REVIEWERS, owner_id="p-owner") is None
    assert steward_denied("p-admin", {"admin"}, ()) is None
    assert steward_denied("p-x", {"change_agent"}, REVIEWERS) is not None
    assert steward_denied("p-ca", {"employee"}, REVIEWERS) is not None


def test_authors() -> None:
    assert is_author("p-1", ["p-1", "p-2"]) and not is_author("p-3", ["p-1"])
