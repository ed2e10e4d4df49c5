"""The management reports' pure rules: periods in Helsinki time, the funnel's cohorts, the
median and nearest-rank 90th percentile of decision times, experiments by outcome."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from ideapaja_contracts.periods import PeriodKind
from ideapaja_review.domain import reporting
from ideapaja_review.domain.reporting import IdeaProgress

pytestmark = pytest.mark.unit


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_a_window_of_quarters_ends_with_todays_and_starts_at_helsinki_midnight() -> None:
    window = reporting.window(PeriodKind.QUARTER, date(2026, 2, 10), 3)
    assert [p.label for p in window] == ["2025-Q3", "2025-Q4", "2026-Q1"]
    assert window[0].starts_at == at("2025-06-30T21:00:00")  # summer time, UTC+3
    assert window[-1].ends_at == at("2026-03-31T21:00:00")


def test_the_funnel_counts_each_cohort_and_leaves_out_ideas_outside_the_window() -> None:
    periods = reporting.window(PeriodKind.MONTH, date(2026, 2, 1), 2)
    ideas = [
        IdeaProgress(at("2026-01-05T10:00:00"), decided=True, accepted=True, implemented=True),
        IdeaProgress(at("2026-01-06T10:00:00"), decided=True, accepted=False, implemented=False),
        # 22:30 UTC on 31 January is February in Helsinki.
        IdeaProgress(at("2026-01-31T22:30:00"), decided=False, accepted=False, implemented=False),
        IdeaProgress(at("2025-12-31T10:00:00"), decided=True, accepted=True, implemented=False),
    ]
    found = reporting.funnel(periods, ideas)
    assert [(f.period.label, f.submitted, f.decided, f.accepted, f.implemented) for f in found] == [
        ("2026-01", 2, 2, 1, 1),
        ("2026-02", 1, 0, 0, 0),
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
