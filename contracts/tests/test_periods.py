"""Calendar periods in Helsinki time, shared by review's reports and reward's activity: pure."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from ideapaja_contracts.periods import InvalidPeriod, Period, PeriodKind

pytestmark = pytest.mark.unit


def test_a_time_belongs_to_its_period_in_helsinki() -> None:
    new_year = datetime(2025, 12, 31, 23, 30, tzinfo=UTC)  # 01:30 on 1 January in Helsinki
    assert Period.containing(PeriodKind.MONTH, new_year).label == "2026-01"
    assert Period.containing(PeriodKind.QUARTER, new_year).label == "2026-Q1"
    assert Period.containing(PeriodKind.YEAR, new_year).label == "2026"
    assert Period.containing(PeriodKind.QUARTER, date(2026, 11, 5)).label == "2026-Q4"


def test_period_bounds_are_helsinki_midnights_and_shift_across_years() -> None:
    january = Period.parse("2026-01")
    assert january.starts_at == datetime(2025, 12, 31, 22, tzinfo=UTC)  # EET, UTC+2
    july = Period.parse("2026-07")
    assert july.starts_at == datetime(2026, 6, 30, 21, tzinfo=UTC)  # EEST, UTC+3
    assert january.previous().label == "2025-12"
    assert Period.parse("2026-Q1").previous().label == "2025-Q4"
    assert Period.parse("2026").previous().label == "2025"
    assert Period.parse("2026-Q4").ends_at == Period.parse("2027").starts_at
    assert [p.label for p in january.last(3)] == ["2025-11", "2025-12", "2026-01"]
    assert january.contains(datetime(2026, 1, 31, 21, 59, tzinfo=UTC))
    assert not january.contains(datetime(2026, 1, 31, 22, tzinfo=UTC))


@pytest.mark.parametrize(
    "text", ["26", "2026-13", "2026-Q5", "2026-1", "2026-xx", "", "abcd", "0000", "9999-12"]
)
def test_periods_that_are_not(text: str) -> None:
    with pytest.raises(InvalidPeriod):
        Period.parse(text)


def test_a_day_outside_the_years_has_no_period() -> None:
    """Year 1 and 9999 are days Python has, but their neighbouring periods are not: the
    series and the trend would fail deep inside (a 500 the fuzzing found)."""
    with pytest.raises(InvalidPeriod, match="outside the years"):
        Period.containing(PeriodKind.MONTH, date(1, 1, 1))


def test_a_running_period_closes_now_an_ended_one_at_its_end() -> None:
    november = Period.parse("2026-11")
    early = datetime(2026, 11, 10, tzinfo=UTC)
    assert november.closes_at(early) == early
    assert november.closes_at(datetime(2027, 3, 1, tzinfo=UTC)) == november.ends_at
