"""Pseudonyms of anonymous authors: stable, unlinkable across ideas, valid ids."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from ideapaja_contracts.base import ID_PATTERN
from ideapaja_intake.domain.pseudonym import (
    author_pseudonym,
    citizen_person_id,
    former_person_id,
    is_former_person,
)

ids = st.from_regex(r"\A[A-Za-z0-9_-]{1,64}\Z")
SECRET = "test-pseudonym-secret-0123456789"


def test_known_value_never_changes() -> None:
    # HMAC-SHA256(secret, "i-1:p-1001"), first 16 hex digits (checked with openssl). Pinned: a
    # change to the derivation would rename every anonymous author already shown.
    assert author_pseudonym(SECRET, "i-1", "p-1001") == "a-71f13fc60ed0b639"


@given(ids, ids)
def test_stable_and_a_valid_id(idea_id: str, person_id: str) -> None:
    first = author_pseudonym(SECRET, idea_id, person_id)
    assert first == author_pseudonym(SECRET, idea_id, person_id)
    assert re.fullmatch(ID_PATTERN, first)
    assert re.fullmatch(r"a-[0-9a-f]{16}", first)


def test_one_person_gets_unrelated_pseudonyms_on_different_ideas() -> None:
    refs = {author_pseudonym(SECRET, f"i-{n}", "p-1001") for n in range(200)}
    assert len(refs) == 200


def test_pairs_that_concatenate_alike_differ() -> None:
    assert author_pseudonym(SECRET, "i-1", "2-p") != author_pseudonym(SECRET, "i-12", "-p")


def test_depends_on_the_secret() -> None:
    assert author_pseudonym(SECRET, "i-1", "p-1") != author_pseudonym(SECRET + "x", "i-1", "p-1")


# --- former employees (GDPR erasure) -------------------------------------------------------------


def test_former_person_known_value_never_changes() -> None:
    # HMAC-SHA256(secret, "former::p-1001"), first 24 hex digits (checked with openssl). Pinned: a
    # person erased again after a re-hire must get the token their earlier data already has.
    assert former_person_id(SECRET, "p-1001") == "former-f54b8d6f8bad5184df77c798"


@given(ids)
def test_former_person_is_stable_a_valid_id_and_recognisable(person_id: str) -> None:
    token = former_person_id(SECRET, person_id)
    assert token == former_person_id(SECRET, person_id)
    assert re.fullmatch(ID_PATTERN, token) and re.fullmatch(r"former-[0-9a-f]{24}", token)
    assert is_former_person(token) and not is_former_person(person_id.removeprefix("former-"))


@given(ids)
def test_former_person_is_unlike_the_other_pseudonyms_and_needs_the_secret(person_id: str) -> None:
    digits = former_person_id(SECRET, person_id).removeprefix("former-")
    assert digits not in citizen_person_id(SECRET, person_id)
    assert digits[:16] not in author_pseudonym(SECRET, "former", person_id)
    assert former_person_id(SECRET + "x", person_id) != former_person_id(SECRET, person_id)


def test_different_people_get_different_former_tokens() -> None:
    assert len({former_person_id(SECRET, f"p-{n}") for n in range(500)}) == 500
