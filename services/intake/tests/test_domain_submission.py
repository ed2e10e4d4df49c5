"""The rules a submission must meet, the same for the JSON API and the intranet form."""

from __future__ import annotations

import re
from typing import Any

import pytest
from intake_testkit import idea_payload
from pydantic import ValidationError

from ideapaja_contracts.base import ID_PATTERN
from ideapaja_contracts.events.idea import Channel, IdeaSubmitted, Scope
from ideapaja_intake.domain.submission import IdeaSubmission, new_idea_id, submitted_event


def errors_of(**changes: Any) -> dict[str, str]:
    with pytest.raises(ValidationError) as caught:
        IdeaSubmission.model_validate(idea_payload(**changes))
    return {".".join(map(str, e["loc"])): e["type"] for e in caught.value.errors()}


def test_a_complete_submission_is_accepted_with_defaults() -> None:
    submission = IdeaSubmission.model_validate(
        idea_payload(benefit=None, language=None, anonymous=None)
    )
    assert submission.benefit == ""
    assert submission.language == "fi"
    assert submission.anonymous is False
    assert submission.scope is Scope.UNIT


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("title", "ab", "string_too_short"),
        ("title", "   ab   ", "string_too_short"),  # whitespace does not count
        ("title", "x" * 201, "string_too_long"),
        ("problem", "", "string_too_short"),
        ("problem", "x" * 5001, "string_too_long"),
        ("solution", "  ", "string_too_short"),
        ("solution", "x" * 5001, "string_too_long"),
        ("benefit", "x" * 2001, "string_too_long"),
        ("scope", "galaxy", "enum"),
        ("unit_id", "u kirjasto", "string_pattern_mismatch"),
        ("unit_id", "hr.unit.*", "string_pattern_mismatch"),
        ("unit_id", "u" * 65, "string_too_long"),
        ("language", "de", "literal_error"),
        ("anonymous", "perhaps", "bool_parsing"),
    ],
)
def test_invalid_fields_are_named(field: str, value: str, error: str) -> None:
    assert errors_of(**{field: value}) == {field: error}


@pytest.mark.parametrize("field", ["title", "problem", "solution", "scope", "unit_id"])
def test_required_fields(field: str) -> None:
    payload = idea_payload()
    del payload[field]
    with pytest.raises(ValidationError) as caught:
        IdeaSubmission.model_validate(payload)
    assert [e["loc"] for e in caught.value.errors()] == [(field,)]


def test_unknown_fields_are_refused_not_dropped() -> None:
    assert errors_of(titel="typo") == {"titel": "extra_forbidden"}


def test_limits_are_inclusive() -> None:
    submission = IdeaSubmission.model_validate(
        idea_payload(title="abc", problem="x" * 5000, solution="y" * 5000, benefit="z" * 2000)
    )
    assert len(submission.title) == 3


def test_text_is_trimmed() -> None:
    submission = IdeaSubmission.model_validate(idea_payload(title="  Parempi kahvi \n"))
    assert submission.title == "Parempi kahvi"


def test_idea_ids_are_opaque_unique_and_fit_the_contract_id_pattern() -> None:
    ids = {new_idea_id() for _ in range(1000)}
    assert len(ids) == 1000
    assert all(re.fullmatch(ID_PATTERN, i) and i.startswith("i-") for i in ids)


def test_submitted_event_carries_the_idea_and_its_author() -> None:
    submission = IdeaSubmission.model_validate(idea_payload(anonymous=True, scope="city"))
    event = submitted_event(
        idea_id="i-1",
        submission=submission,
        author_id="p-1001",
        author_ref="a-0123456789abcdef",
        channel=Channel.INTRANET_FORM,
    )
    assert isinstance(event, IdeaSubmitted)
    assert event.author_ids == ["p-1001"]
    assert event.author_ref == "a-0123456789abcdef"
    assert event.anonymous is True
    assert event.scope is Scope.CITY
    assert event.channel is Channel.INTRANET_FORM
    assert event.title == submission.title and event.benefit == submission.benefit
