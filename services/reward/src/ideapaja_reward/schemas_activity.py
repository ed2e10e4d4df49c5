"""What the activity endpoints answer: units' participation per headcount in a period, with the
previous period's figures for the trend, and a time series for a chart."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from ideapaja_contracts.periods import Period
from ideapaja_reward.domain.activity import Figures, Row
from ideapaja_runtime.pagination import Page

_PER_100 = " per 100 employees (null when the headcount is 0: no division by zero)"


class ActivityFiguresPublic(BaseModel):
    """A unit's (department's, the city's) figures for one period."""

    model_config = ConfigDict(from_attributes=True)

    headcount: int = Field(
        description="Employees at the period's end (now, for the current period), from HR"
    )
    authors: int = Field(
        description="Distinct authors of the ideas submitted (anonymous authors counted, never "
        "listed; a person in several units of a roll-up counted once)"
    )
    ideas_submitted: int = Field(description="Ideas submitted in the period")
    ideas_accepted: int = Field(description="Ideas accepted in the period")
    ideas_implemented: int = Field(description="Ideas implemented in the period")
    points: int = Field(description="Points credited in the period for the unit's ideas")
    authors_per_100: float | None = Field(description="Distinct authors" + _PER_100)
    ideas_per_100: float | None = Field(description="Ideas submitted" + _PER_100)


class ActivityChangePublic(ActivityFiguresPublic):
    """The current period's figures minus the previous period's (the trend); a per-100 change
    is null where either period has no headcount."""


class ActivityRowPublic(BaseModel):
    unit_id: str | None = Field(description="The unit or department; null for the city's row")
    level: str = Field(
        description="unit (its own figures), department (with every unit below it) or city"
    )
    department_id: str | None = Field(
        description="The department the unit belongs to (itself, for a department), if HR names one"
    )
    current: ActivityFiguresPublic = Field(description="The period asked for")
    previous: ActivityFiguresPublic = Field(description="The period before it")
    change: ActivityChangePublic = Field(description="current minus previous")

    @classmethod
    def of(cls, row: Row) -> ActivityRowPublic:
        return cls(
            unit_id=row.unit_id,
            level=row.level.value,
            department_id=row.department_id,
            current=ActivityFiguresPublic.model_validate(row.current),
            previous=ActivityFiguresPublic.model_validate(row.previous),
            change=ActivityChangePublic.model_validate(row.change),
        )


class PeriodPublic(BaseModel):
    period: str = Field(description="The period: 2026 (year), 2026-Q4 (quarter), 2026-11 (month)")
    starts_at: datetime = Field(description="Its first instant (midnight in Europe/Helsinki)")
    ends_at: datetime = Field(description="The first instant after it")
    headcount_at: datetime = Field(
        description="When the headcounts were read: the period's end, or now for the current one"
    )

    @classmethod
    def of(cls, period: Period, now: datetime) -> PeriodPublic:
        return cls(
            period=period.label,
            starts_at=period.starts_at,
            ends_at=period.ends_at,
            headcount_at=period.closes_at(now),
        )


class ActivityPublic(Page[ActivityRowPublic]):
    """Rows of one level for a period, by unit id, a page at a time."""

    period: PeriodPublic = Field(description="The period the rows' `current` figures are for")
    previous_period: PeriodPublic = Field(description="The period of the rows' `previous`")
    level: str = Field(description="unit, department or city")


class ActivityPointPublic(PeriodPublic):
    figures: ActivityFiguresPublic = Field(description="The figures of this period")


class ActivitySeriesPublic(BaseModel):
    """One unit's (with everything below it) or the city's figures period by period."""

    unit_id: str | None = Field(description="The unit or department; null for the whole city")
    period_kind: str = Field(description="month, quarter or year")
    # Not a list page: a fixed window of at most 36 periods, for a chart (hence not `items`).
    periods: list[ActivityPointPublic] = Field(description="The periods, oldest first")


# The CSV export's columns: the row, its figures now and in the previous period.
FIGURES = tuple(ActivityFiguresPublic.model_fields)
CSV_COLUMNS = (
    "period",
    "level",
    "unit_id",
    "department_id",
    *FIGURES,
    "previous_period",
    *(f"previous_{name}" for name in FIGURES),
)


def csv_row(period: Period, row: Row) -> list[object]:
    current, previous = (
        [getattr(figures, name) for name in FIGURES] for figures in (row.current, row.previous)
    )
    return [
        period.label,
        row.level.value,
        row.unit_id,
        row.department_id,
        *current,
        period.previous().label,
        *previous,
    ]


def figures_public(figures: Figures) -> ActivityFiguresPublic:
    return ActivityFiguresPublic.model_validate(figures)
