"""The management reports' pure rules: periods in Helsinki time, the funnel's cohorts, the
median and nearest-rank 90th percentile of decision times, experiments by outcome."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from ideapaja_contracts.periods import PeriodKind
from ideapaja_review.domain import reporting

pytestmark = pytest.mark.unit


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_a_window_of_quarters_ends_with_todays_and_starts_at_helsinki_midnight() -> None:
    window = reporting.window(PeriodKind.QUARTER, date(2026, 2, 10), 3)
    assert [p.label for p in window] == ["2025-Q3", "2025-Q4", "2026-Q1"]
    assert window[0].starts_at == at("2025-06-30T21:00:00")  # summer time, UTC+3
    assert window[-1].ends_at == at("2026-03-31T21:00:00")


def test_the_funnel_gives_each_period_its_cohort_and_zeros_to_a_period_without_one() -> None:
    periods = reporting.window(PeriodKind.MONTH, date(2026, 3, 1), 3)
    found = reporting.funnel(periods, {0: (2, 2, 1, 1), 2: (1, 0, 0, 0)})
    assert [(f.period.label, f.submitted, f.decided, f.accepted, f.implemented) for f in found] == [
        ("2026-01", 2, 2, 1, 1),
        ("2026-02", 0, 0, 0, 0),
        ("2026-03", 1, 0, 0, 0),
    ]


@pytest.mark.parametrize(
    ("days", "median", "p90"),
    [
        ([4.0], 4.0, 4.0),
        ([1.0, 2.0], 1.5, 2.0),
        ([float(d) for d in range(1, 11)], 5.5, 9.0),  # 90 % of ten: the 9th
        ([float(d) for d in range(1, 12)], 6.0, 10.0),  # 90 % of eleven: rank 10
    ],
)
def test_decision_times_median_and_nearest_rank_p90(
    days: list[float], median: float, p90: float
) -> None:
    periods = reporting.window(PeriodKind.YEAR, date(2026, 6, 1), 1)
    decided = at("2026-06-01T10:00:00")
    pairs = [(decided - timedelta(days=d), decided) for d in days]
    [found] = reporting.decision_times(periods, pairs)
    assert (found.decisions, found.median_days, found.p90_days) == (len(days), median, p90)


def test_no_decisions_have_no_times_and_experiments_count_by_outcome() -> None:
    periods = reporting.window(PeriodKind.MONTH, date(2026, 3, 1), 1)
    [times] = reporting.decision_times(periods, [])
    assert (times.decisions, times.median_days, times.p90_days) == (0, None, None)
    [tried] = reporting.experiments(
        periods,
        [at("2026-03-02T10:00:00"), at("2026-02-02T10:00:00")],
        [(at("2026-03-05T10:00:00"), "scale"), (at("2026-03-06T10:00:00"), "stop")],
    )
    assert (tried.started, tried.scale, tried.adjust, tried.stop, tried.completed) == (
        1,
        1,
        0,
        1,
        2,
    )
