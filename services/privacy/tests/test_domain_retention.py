"""Retention dates: when a person who left is due for erasure."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from ideapaja_privacy.domain.retention import (
    departure_date,
    due_cutoff,
    erase_on,
    is_stale,
    retention_reason,
)

REPORTED = datetime(2025, 3, 4, 10, 0, tzinfo=UTC)


def test_the_leaving_day_is_hr_s_iso_date() -> None:
    assert departure_date("2024-06-30", REPORTED) == date(2024, 6, 30)
    # HR systems often send a timestamp: its day counts.
    assert departure_date("2024-06-30T23:00:00+03:00", REPORTED) == date(2024, 6, 30)
    assert departure_date(" 2024-06-30 ", REPORTED) == date(2024, 6, 30)


def test_a_leaving_day_that_is_no_date_counts_from_when_hr_reported_it() -> None:
    for text in ("", "unknown", "kesäkuun lopussa", "2024-13-01", "30.6.2024"):
        assert departure_date(text, REPORTED) == date(2025, 3, 4), text


def test_erase_on_and_the_cutoff_agree() -> None:
    left = date(2024, 6, 30)
    assert erase_on(left, 365) == date(2025, 6, 30)
    assert due_cutoff(date(2025, 6, 30), 365) == left
    assert due_cutoff(date(2025, 6, 29), 365) < left
    assert erase_on(left, 0) == left


@given(
    left=st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 1, 1)),
    days=st.integers(min_value=0, max_value=3650),
    offset=st.integers(min_value=-800, max_value=800),
)
def test_due_exactly_from_erase_on(left: date, days: int, offset: int) -> None:
    today = erase_on(left, days) + timedelta(days=offset)
    assert (left <= due_cutoff(today, days)) == (today >= erase_on(left, days))


def test_retention_reason_names_no_one() -> None:
    reason = retention_reason(date(2024, 6, 30), 365)
    assert reason == "retention: left on 2024-06-30, 365 days passed"
    assert len(reason) <= 200


def test_an_older_hr_event_is_stale() -> None:
    assert is_stale(REPORTED, REPORTED - timedelta(seconds=1))
    assert not is_stale(REPORTED, REPORTED)
    assert not is_stale(REPORTED, REPORTED + timedelta(seconds=1))
    assert not is_stale(None, REPORTED)
