"""Rate-limit windows: aligned, so every replica counts into the same one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from ideapaja_intake.domain.ratelimit import granted, window_of

moments = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2040, 1, 1), timezones=st.just(UTC)
)


@given(moments, st.sampled_from([60, 3600, 86400]))
def test_a_moment_lies_in_its_window(now: datetime, seconds: int) -> None:
    window = window_of(now, seconds)
    assert window.start <= now < window.end
    assert window.end - window.start == timedelta(seconds=seconds)
    assert 1 <= window.retry_after(now) <= seconds
    # Every moment of the window maps to the same window.
    assert window_of(window.start, seconds) == window
    assert window_of(window.end - timedelta(microseconds=1), seconds) == window


def test_retry_after_counts_whole_seconds_up() -> None:
    window = window_of(datetime(2026, 3, 2, 9, 59, 58, 500_000, tzinfo=UTC), 3600)
    assert window.start == datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    assert window.retry_after(datetime(2026, 3, 2, 9, 59, 58, 500_000, tzinfo=UTC)) == 2


def test_the_limit_is_inclusive() -> None:
    assert granted(4, 1, 5) == 1  # the 5th of 5 fits
    assert granted(5, 1, 5) == 0  # the 6th does not


@given(st.integers(0, 50), st.integers(1, 20), st.integers(1, 30))
def test_a_batch_gets_exactly_what_one_by_one_counting_would_allow(
    before: int, wanted: int, limit: int
) -> None:
    # Counted one at a time, a submission fits while its count stays within the limit.
    one_by_one = sum(before + n <= limit for n in range(1, wanted + 1))
    assert granted(before, wanted, limit) == one_by_one
