"""CloudEvents binary mode over NATS headers, checked against the official SDK."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from cloudevents.core.bindings import http as ce_http
from cloudevents.core.formats.json import JSONFormat
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from ideapaja_contracts import EnvelopeError, decode, encode
from ideapaja_contracts.envelope import child_traceparent
from ideapaja_contracts.events.hr import PersonUpserted
from ideapaja_contracts.events.idea import IdeaSubmitted, Scope
from ideapaja_contracts.events.reward import RewardGranted, RewardKind
from ideapaja_contracts.registry import ALL_EVENTS


def idea(**overrides: object) -> IdeaSubmitted:
    values: dict[str, object] = {
        "idea_id": "i-1",
        "title": "Päiväkodin ruokahävikki",
        "problem": "Ruokaa jää yli.",
        "solution": "Tilaukset päivittäin.",
        "scope": Scope.UNIT,
        "unit_id": "u-paivakoti",
        "author_ids": ["p-1001"],
        "author_ref": "a-1",
    }
    values.update(overrides)
    return IdeaSubmitted(**values)  # type: ignore[arg-type]


def test_round_trip_is_parsed_by_the_cloudevents_sdk() -> None:
    message = encode(idea(), source="/ideapaja/intake", time=datetime(2026, 11, 28, tzinfo=UTC))
    sdk_event = ce_http.from_binary(
        ce_http.HTTPMessage(headers=message.headers, body=message.body), JSONFormat()
    )
    attributes = sdk_event.get_attributes()
    assert attributes["id"] == message.envelope.id
    assert attributes["type"] == "ideapaja.idea.submitted.v1"
    assert attributes["source"] == "/ideapaja/intake"
    assert attributes["subject"] == "i-1"
    assert attributes["specversion"] == "1.0"
    assert attributes["time"] == datetime(2026, 11, 28, tzinfo=UTC)
    assert sdk_event.get_data()["title"] == "Päiväkodin ruokahävikki"


def test_sdk_binary_message_is_decoded_by_us() -> None:
    original = encode(idea(), source="/test")
    sdk_event = ce_http.from_binary(
        ce_http.HTTPMessage(headers=original.headers, body=original.body), JSONFormat()
    )
    sdk_message = ce_http.to_binary(sdk_event, JSONFormat())
    envelope, event = decode(sdk_message.headers, sdk_message.body)
    assert envelope.id == original.envelope.id
    assert event == idea()


def test_headers_carry_dedupe_id_and_trace() -> None:
    parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    message = encode(idea(), source="/test", traceparent=child_traceparent(parent))
    assert message.headers["Nats-Msg-Id"] == message.headers["ce-id"]
    assert message.headers["traceparent"].split("-")[1] == "4bf92f3577b34da6a3ce929d0e0e4736"
    assert message.headers["traceparent"] != parent
    assert message.subject == "ideapaja.idea.submitted.v1"


def test_hr_records_get_one_subject_each() -> None:
    person = PersonUpserted(
        person_id="p-1001", unit_id="u-1", display_name="Aino", email="aino@example.fi"
    )
    assert encode(person, source="/hr").subject == "hr.person.p-1001"
    assert PersonUpserted.subject_pattern() == "hr.person.*"


def test_decode_rejects_a_missing_header_with_its_name() -> None:
    message = encode(idea(), source="/test")
    headers = {k: v for k, v in message.headers.items() if k != "ce-type"}
    with pytest.raises(EnvelopeError, match="ce-type"):
        decode(headers, message.body)


def test_decode_rejects_an_unknown_type() -> None:
    message = encode(idea(), source="/test")
    with pytest.raises(EnvelopeError, match="unknown event type"):
        decode({**message.headers, "ce-type": "ideapaja.idea.exploded.v1"}, message.body)


def test_decode_reports_the_invalid_field() -> None:
    message = encode(idea(), source="/test")
    body = json.loads(message.body)
    body["scope"] = "galaxy"
    with pytest.raises(ValidationError, match="scope"):
        decode(message.headers, json.dumps(body).encode())


def test_consumers_ignore_fields_added_later() -> None:
    message = encode(idea(), source="/test")
    body = json.loads(message.body) | {"added_in_a_later_minor": True}
    _, event = decode(message.headers, json.dumps(body).encode())
    assert event == idea()


def test_ids_cannot_break_subjects() -> None:
    with pytest.raises(ValidationError):
        PersonUpserted(person_id="p.*", unit_id="u", display_name="x", email="x@example.fi")


@given(
    title=st.text(min_size=1, max_size=200),
    points=st.integers(min_value=0, max_value=10_000),
)
def test_any_valid_event_round_trips(title: str, points: int) -> None:
    granted = RewardGranted(
        idea_id="i-1",
        grant_id="g-1",
        person_id="p-1",
        kind=RewardKind.POINTS,
        amount=0,
        points=points,
        reason=title,
    )
    message = encode(granted, source="/test")
    assert decode(message.headers, message.body)[1] == granted


def test_every_event_type_is_unique_and_versioned() -> None:
    types = [cls.event_type() for cls in ALL_EVENTS]
    assert len(types) == len(set(types))
    assert all(t.startswith("ideapaja.") and t.endswith(".v1") for t in types)
