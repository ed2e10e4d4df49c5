"""Erasure identities and rounds; the access report's completeness."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from ideapaja_contracts.base import ID_PATTERN
from ideapaja_privacy.domain.erasure import erasure_id, returned_after_erasure
from ideapaja_privacy.domain.report import (
    PeerStatus,
    classify,
    is_complete,
    unavailable,
)

REQUESTED = datetime(2025, 3, 4, 10, 0, tzinfo=UTC)


def test_erasure_ids_are_stable_per_person_and_round_and_valid_ids() -> None:
    first = erasure_id("p-1003", 1)
    assert first == erasure_id("p-1003", 1)
    assert first != erasure_id("p-1003", 2)
    assert first != erasure_id("p-1004", 1)
    longest = erasure_id("p" * 64, 99)
    for value in (first, longest):
        assert re.match(ID_PATTERN, value), value


def test_only_an_hr_record_sent_after_the_erasure_is_a_return() -> None:
    assert returned_after_erasure(REQUESTED, REQUESTED + timedelta(seconds=1))
    # Sent before the erasure, delivered after it: just late, not a new employment.
    assert not returned_after_erasure(REQUESTED, REQUESTED - timedelta(days=1))
    assert not returned_after_erasure(REQUESTED, REQUESTED)
    assert not returned_after_erasure(None, REQUESTED)


def test_classify_peer_answers() -> None:
    ok = classify("reward", 200, {"ledger": []})
    assert ok.status is PeerStatus.OK and ok.data == {"ledger": []}
    missing = classify("intake", 404, {"title": "Not Found"})
    assert missing.status is PeerStatus.NO_REPORT and missing.detail == "Not Found"
    refused = classify("review", 403, {"detail": "Only HR and admins", "reason": "object"})
    assert refused.status is PeerStatus.REFUSED and refused.detail == "Only HR and admins"
    assert classify("review", 401, None).status is PeerStatus.REFUSED
    broken = classify("notification", 500, None)
    assert broken.status is PeerStatus.UNAVAILABLE and broken.detail == "HTTP 500"
    # A 200 that is not a JSON object is not a report.
    assert classify("reward", 200, ["x"]).status is PeerStatus.UNAVAILABLE


def test_a_report_is_complete_only_when_every_service_answered() -> None:
    ok = classify("reward", 200, {})
    assert is_complete([])
    assert is_complete([ok, classify("review", 200, {})])
    assert not is_complete([ok, classify("intake", 404, None)])
    assert not is_complete([ok, unavailable("review", "ConnectError: refused")])
