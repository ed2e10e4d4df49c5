"""The management group's figures of review, period by period. Pure: the rows come in as values
(``db/reports.py`` reads them, one query per report over the whole window) and are put into
calendar periods of the city's time here (the funnel's cohorts are counted per period by the
database, on these periods' bounds).

- **Funnel** (a cohort): the ideas first submitted in a period, and how many of them have by now
  been decided (accepted or rejected, in any round: a forwarded idea counts once), accepted,
  and implemented. A later period's cohort has had less time, so its lower shares are expected.
- **Time to decision**: the decisions (accepted or rejected) made in a period, each measured
  in days from the idea's first submission to the decision; the median and the 90th
  percentile (nearest rank: at least 90 % of decisions took at most this long).
- **Experiments**: started in a period, and those completed in it by outcome
  (scale, adjust, stop).
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from ideapaja_contracts.periods import Period, PeriodKind

SECONDS_PER_DAY = 86_400
OUTCOMES = ("scale", "adjust", "stop")


def window(kind: PeriodKind, at: date, count: int) -> list[Period]:
    """The ``count`` periods of ``kind`` ending with the one containing ``at``, oldest first."""
    return Period.containing(kind, at).last(count)


def _bucket(periods: Sequence[Period], moment: datetime) -> Period | None:
    found = Period.containing(periods[0].kind, moment)
    return found if periods[0] <= found <= periods[-1] else None


@dataclass(frozen=True)
class FunnelFigures:
    period: Period
    submitted: int = 0
    decided: int = 0
    accepted: int = 0
    implemented: int = 0


def funnel(
    periods: Sequence[Period], cohorts: Mapping[int, tuple[int, int, int, int]]
) -> list[FunnelFigures]:
    """Each period's cohort: its ideas submitted, decided, accepted and implemented (counted by
    ``db/reports.py``, keyed by the period's index); a period with no ideas has zeros."""
    return [
        FunnelFigures(period, *cohorts.get(index, (0, 0, 0, 0)))
        for index, period in enumerate(periods)
    ]


@dataclass(frozen=True)
class DecisionTimes:
    period: Period
    decisions: int
    median_days: float | None
    p90_days: float | None


def percentile(values: Sequence[float], share: float) -> float:
    """The nearest-rank percentile: the smallest value at least ``share`` of the values are at
    or under (``values`` sorted, not empty)."""
    rank = max(1, math.ceil(share * len(values)))
    return values[rank - 1]


def decision_times(
    periods: Sequence[Period], decisions: Iterable[tuple[datetime, datetime]]
) -> list[DecisionTimes]:
    """Per period of the decision: how many, and the median and 90th percentile of the days
    from the idea's first submission (``(submitted_at, decided_at)`` pairs), to a tenth of a
    day."""
    days: dict[Period, list[float]] = {period: [] for period in periods}
    for submitted_at, decided_at in decisions:
        period = _bucket(periods, decided_at)
        if period is not None:
            elapsed = (decided_at - submitted_at).total_seconds() / SECONDS_PER_DAY
            days[period].append(max(0.0, elapsed))
    found = []
    for period in periods:
        values = sorted(days[period])
        found.append(
            DecisionTimes(
                period,
                len(values),
                round(statistics.median(values), 1) if values else None,
                round(percentile(values, 0.9), 1) if values else None,
            )
        )
    return found


@dataclass(frozen=True)
class ExperimentFigures:
    period: Period
    started: int = 0
    scale: int = 0
    adjust: int = 0
    stop: int = 0

    @property
    def completed(self) -> int:
        return self.scale + self.adjust + self.stop


def experiments(
    periods: Sequence[Period],
    started: Iterable[datetime],
    completed: Iterable[tuple[datetime, str]],
) -> list[ExperimentFigures]:
    """Per period: experiments started in it, and those completed in it by outcome."""
    counts: dict[Period, Counter[str]] = {period: Counter() for period in periods}
    for started_at in started:
        period = _bucket(periods, started_at)
        if period is not None:
            counts[period]["started"] += 1
    for completed_at, outcome in completed:
        period = _bucket(periods, completed_at)
        if period is not None and outcome in OUTCOMES:
            counts[period][outcome] += 1
    return [ExperimentFigures(period, **counts[period]) for period in periods]
