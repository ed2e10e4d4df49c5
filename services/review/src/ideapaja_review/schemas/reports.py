"""The management group's reports: figures period by period, oldest first."""

from __future__ import annotations

from datetime import datetime
from typing import Self

from pydantic import BaseModel, Field

from ideapaja_review.domain.reporting import DecisionTimes, ExperimentFigures, FunnelFigures

PeriodFigures = FunnelFigures | DecisionTimes | ExperimentFigures


class ReportPeriodPublic(BaseModel):
    period: str = Field(description="The period: 2026 (year), 2026-Q4 (quarter), 2026-11 (month)")
    starts_at: datetime = Field(description="Its first instant (midnight in Europe/Helsinki)")
    ends_at: datetime = Field(description="The first instant after it")

    @classmethod
    def of(cls, figures: PeriodFigures) -> Self:
        """A period's figures: the period's label and bounds, then each figure the model
        declares, read from the domain's figures by the same name."""
        period = figures.period
        own = cls.model_fields.keys() - ReportPeriodPublic.model_fields.keys()
        return cls(
            period=period.label,
            starts_at=period.starts_at,
            ends_at=period.ends_at,
            **{name: getattr(figures, name) for name in own},
        )


class FunnelPeriodPublic(ReportPeriodPublic):
    submitted: int = Field(description="Ideas first submitted in the period (the cohort)")
    decided: int = Field(description="Of them, accepted or rejected by now (in any round)")
    accepted: int = Field(description="Of them, accepted by now")
    implemented: int = Field(description="Of them, implemented by now")


class DecisionTimesPeriodPublic(ReportPeriodPublic):
    decisions: int = Field(description="Acceptances and rejections made in the period")
    median_days: float | None = Field(
        description="Median days from the idea's first submission to the decision; null if "
        "there were none"
    )
    p90_days: float | None = Field(
        description="90th percentile (nearest rank) of the same days; null if there were none"
    )


class ExperimentsPeriodPublic(ReportPeriodPublic):
    started: int = Field(description="Experiments started in the period")
    completed: int = Field(description="Experiments completed in the period")
    scale: int = Field(description="Of those completed, the ones to scale up")
    adjust: int = Field(description="Of those completed, the ones to adjust (and pilot again)")
    stop: int = Field(description="Of those completed, the ones stopped")


class FunnelReportPublic(BaseModel):
    """The ideas funnel: each period's cohort and how far it has come."""

    period_kind: str = Field(description="month, quarter or year")
    periods: list[FunnelPeriodPublic] = Field(description="The periods, oldest first")


class DecisionTimesReportPublic(BaseModel):
    """Time from submission to decision, per period of the decision."""

    period_kind: str = Field(description="month, quarter or year")
    periods: list[DecisionTimesPeriodPublic] = Field(description="The periods, oldest first")


class ExperimentsReportPublic(BaseModel):
    """Experiments started and completed, by outcome."""

    period_kind: str = Field(description="month, quarter or year")
    periods: list[ExperimentsPeriodPublic] = Field(description="The periods, oldest first")
