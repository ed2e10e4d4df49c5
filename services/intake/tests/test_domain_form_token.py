"""Form tokens: only intake can make them, they expire, and any change breaks them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ideapaja_intake.domain.form_token import InvalidFormToken, issue_form_token, read_form_token

SECRET = "form-token-secret-for-tests-0123"
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
ids = st.from_regex(r"\A[A-Za-z0-9_-]{1,64}\Z")


def issue(**changes: object) -> str:
    values: dict[str, object] = {
        "person_id": "p-1001",
        "roles": ("employee",),
        "unit_ids": ("u-kirjasto",),
        "now": NOW,
        "ttl": HOUR,
    }
    values.update(changes)
    token, _ = issue_form_token(SECRET, **values)  # type: ignore[arg-type]
    return token


@given(ids, st.lists(ids, max_size=4), st.lists(ids, max_size=4))
def test_a_token_carries_who_may_submit(person: str, roles: list[str], units: list[str]) -> None:
    token, issued = issue_form_token(
        SECRET, person_id=person, roles=tuple(roles), unit_ids=tuple(units), now=NOW, ttl=HOUR
    )
    claims = read_form_token(SECRET, token, now=NOW + HOUR - timedelta(seconds=1))
    assert claims == issued
    assert claims.person_id == person and set(claims.roles) == set(roles)


def test_tokens_are_single_identities() -> None:
    assert (
        read_form_token(SECRET, issue(), now=NOW).token_id
        != read_form_token(SECRET, issue(), now=NOW).token_id
    )


def test_an_expired_token_is_refused() -> None:
    with pytest.raises(InvalidFormToken, match="expired"):
        read_form_token(SECRET, issue(), now=NOW + HOUR)


def test_another_secret_is_refused() -> None:
    with pytest.raises(InvalidFormToken, match="signature"):
        read_form_token("another-secret-0123456789abcdef", issue(), now=NOW)


@given(st.data())
def test_any_change_to_a_token_is_refused(data: st.DataObject) -> None:
    token = issue()
    position = data.draw(st.integers(0, len(token) - 1))
    replacement = data.draw(st.sampled_from("ABCxyz019-_."))
    tampered = token[:position] + replacement + token[position + 1 :]
    if tampered != token:
        with pytest.raises(InvalidFormToken):
            read_form_token(SECRET, tampered, now=NOW)


@given(st.text(max_size=200))
def test_garbage_is_refused_not_crashing(text: str) -> None:
    with pytest.raises(InvalidFormToken):
        read_form_token(SECRET, text, now=NOW)
