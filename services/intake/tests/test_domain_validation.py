"""Input validation as properties: whatever an author types, a field is accepted exactly when it
is within its limits, and a refusal names the field."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from intake_testkit import idea_payload
from pydantic import ValidationError

from ideapaja_intake.domain.submission import (
    BENEFIT_MAX,
    CO_AUTHORS_MAX,
    TEXT_MAX,
    TITLE_MAX,
    TITLE_MIN,
    IdeaDraft,
    IdeaEdit,
    IdeaSubmission,
    form_person_ids,
    has_control_characters,
)

LIMITS = {
    "title": (TITLE_MIN, TITLE_MAX),
    "problem": (1, TEXT_MAX),
    "solution": (1, TEXT_MAX),
    "benefit": (0, BENEFIT_MAX),
}
FIELDS = set(IdeaSubmission.model_fields)
ids = st.from_regex(r"\A[A-Za-z0-9_-]{1,64}\Z")
# Mostly short text, sometimes around the limits; any Unicode, whitespace included.
texts = st.one_of(
    st.text(max_size=30),
    st.integers(0, 6000).map(lambda n: "ä" * n),
    st.builds(
        lambda n, pad: " " * pad + "x" * n + "\n" * pad, st.integers(0, 5010), st.integers(0, 3)
    ),
)


def error_fields(model: type[Any], payload: dict[str, Any]) -> set[str]:
    try:
        model.model_validate(payload)
    except ValidationError as exc:
        return {".".join(str(p) for p in e["loc"][:1]) for e in exc.errors()}
    return set()


@pytest.mark.parametrize("field", sorted(LIMITS))
@given(value=texts)
def test_text_fields_are_accepted_exactly_within_their_limits(field: str, value: str) -> None:
    low, high = LIMITS[field]
    fits = low <= len(value.strip()) <= high and not has_control_characters(value)
    errors = error_fields(IdeaSubmission, idea_payload(**{field: value}))
    assert errors == (set() if fits else {field})


@given(name=st.text(min_size=1, max_size=20).filter(lambda n: n not in FIELDS), value=st.text())
def test_any_unknown_field_is_refused_by_name(name: str, value: str) -> None:
    for model, payload in ((IdeaSubmission, idea_payload()), (IdeaDraft, {"title": "Luonnos"})):
        assert error_fields(model, {**payload, name: value}) == {name}


@given(st.lists(ids, max_size=CO_AUTHORS_MAX + 5))
def test_co_authors_are_limited_and_deduplicated(co_authors: list[str]) -> None:
    distinct = list(dict.fromkeys(co_authors))
    errors = error_fields(IdeaSubmission, idea_payload(co_author_ids=co_authors))
    if len(co_authors) <= CO_AUTHORS_MAX:
        assert errors == set()
        parsed = IdeaSubmission.model_validate(idea_payload(co_author_ids=co_authors))
        assert parsed.co_author_ids == distinct
    else:
        assert errors == {"co_author_ids"}


def test_co_authors_are_a_list_of_ids_as_documented() -> None:
    """The form's text field is split by the form ("p-1002, p-1003"); the JSON API takes the
    list its OpenAPI documents: a bare string, or an id with separators in it, is refused (the
    fuzzing found both accepted, the second as no co-authors at all)."""
    assert form_person_ids(["p-1002, p-1003", " p-1004;", ""]) == ["p-1002", "p-1003", "p-1004"]
    for invalid in ("p-1002", ["p-1002, p-1003"], [","]):
        assert error_fields(IdeaSubmission, idea_payload(co_author_ids=invalid)) == {
            "co_author_ids"
        }


def test_a_co_author_id_with_a_control_character_is_refused() -> None:
    """Hypothesis found "0\x1f": str.strip() takes the \x1f off, the input policy refuses it."""
    assert error_fields(IdeaSubmission, idea_payload(co_author_ids=["0\x1f"])) == {"co_author_ids"}


@given(st.text(max_size=70))
def test_a_co_author_must_be_a_valid_person_id(person: str) -> None:
    if has_control_characters(person):
        # A control character: refused by the input policy (test_textpolicy) or, as str.split's
        # whitespace (\x1c-\x1f), a separator; "0\x1f" strips to a valid id but is refused.
        return
    valid = (
        bool(person.strip())
        and all(c.isascii() and (c.isalnum() or c in "_-") for c in person.strip())
        and len(person.strip()) <= 64
    )
    errors = error_fields(IdeaSubmission, idea_payload(co_author_ids=[person]))
    if valid:
        assert errors == set()
    elif not person.strip() or any(c.isspace() or c in ",;" for c in person):
        pass  # a form's separators (str.split's whitespace, e.g. \x1f, too): several ids or none
    else:
        assert errors == {"co_author_ids"}


@given(st.integers(-5, 200_000))
def test_an_edit_names_the_revision_it_replaces(revision: int) -> None:
    payload = {"revision": revision, "title": "Otsikko", "problem": "p", "solution": "s"}
    assert (error_fields(IdeaEdit, payload) == set()) == (1 <= revision <= 100_000)


@given(st.sampled_from(["time", "money", "quality", "wellbeing", "customer", "fame", ""]))
def test_benefit_kinds_come_from_the_list(kind: str) -> None:
    errors = error_fields(IdeaSubmission, idea_payload(benefit_kinds=[kind, kind]))
    assert errors == (set() if kind in {"time", "money", "quality", "wellbeing", "customer"}
                      else {"benefit_kinds"})  # fmt: skip
