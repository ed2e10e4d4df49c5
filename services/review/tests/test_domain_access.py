"""Who may view and decide a case."""

from __future__ import annotations

import pytest

from ideapaja_contracts.events.idea import Scope
from ideapaja_review.domain.access import decision_denied, may_view

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
