"""Who sees an idea, and whose names an anonymous idea shows."""

from __future__ import annotations

import pytest

from ideapaja_intake.domain.visibility import (
    REVIEWER_ROLES,
    STAFF_ROLES,
    can_view_idea,
    visible_author_ids,
)

AUTHORS = ["p-1", "p-2"]


@pytest.mark.parametrize("role", REVIEWER_ROLES)
def test_reviewers_see_any_idea(role: str) -> None:
    assert can_view_idea("p-9", {role}, AUTHORS)


@pytest.mark.parametrize("role", sorted(set(STAFF_ROLES) - set(REVIEWER_ROLES)))
def test_other_staff_see_only_their_own(role: str) -> None:
    assert not can_view_idea("p-9", {role}, AUTHORS)
    assert can_view_idea("p-2", {role}, AUTHORS)


def test_authors_need_no_role_to_see_their_idea() -> None:
    assert can_view_idea("p-1", set(), AUTHORS)


def test_anonymous_authors_are_named_only_to_themselves() -> None:
    assert visible_author_ids("p-2", anonymous=True, author_ids=AUTHORS) == AUTHORS
    assert visible_author_ids("p-9", anonymous=True, author_ids=AUTHORS) is None


def test_named_authors_are_shown_to_every_viewer() -> None:
    assert visible_author_ids("p-9", anonymous=False, author_ids=AUTHORS) == AUTHORS
