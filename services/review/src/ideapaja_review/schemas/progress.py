"""Experiments, implementation and good practices."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from ideapaja_contracts.events.progress import ExperimentOutcome
from ideapaja_review.db.models import (
    AdoptionRow,
    CaseRow,
    ExperimentRow,
    ImplementationRow,
    MilestoneRow,
    PracticeRow,
)
from ideapaja_review.schemas.cases import IdParam, OptionalText, Text

Short = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
OptionalShort = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]


class ExperimentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    pilot_unit_ids: Annotated[list[IdParam], Field(min_length=1, max_length=50)]
    hypothesis: Text
    measure: Short = Field(description="What is measured, e.g. 'evening loans per week'.")
    baseline: OptionalShort = Field(default="", description="The measure's value before.")
    starts_on: date
    ends_on: date


class ExperimentCompletion(BaseModel):
    model_config = ConfigDict(extra="forbid")

    result: Text
    measured_value: OptionalShort = ""
    outcome: ExperimentOutcome
    lesson: Text = Field(description="What was learned; published with the results.")


class ExperimentPublic(BaseModel):
    experiment_id: str
    case_id: str
    idea_id: str
    idea_title: str
    unit_id: str
    pilot_unit_ids: list[str]
    hypothesis: str
    measure: str
    baseline: str
    starts_on: date
    ends_on: date
    status: str
    result: str | None
    measured_value: str | None
    outcome: ExperimentOutcome | None
    lesson: str | None
    started_at: datetime
    completed_at: datetime | None

    @classmethod
    def of(cls, row: ExperimentRow, case: CaseRow) -> Self:
        """The experiment with its idea's title and unit (from its case)."""
        return cls(
            experiment_id=row.experiment_id,
            case_id=row.case_id,
            idea_id=row.idea_id,
            idea_title=case.title,
            unit_id=case.unit_id,
            pilot_unit_ids=list(row.pilot_unit_ids),
            hypothesis=row.hypothesis,
            measure=row.measure,
            baseline=row.baseline,
            starts_on=row.starts_on,
            ends_on=row.ends_on,
            status=row.status,
            result=row.result,
            measured_value=row.measured_value,
            outcome=ExperimentOutcome(row.outcome) if row.outcome else None,
            lesson=row.lesson,
            started_at=row.started_at,
            completed_at=row.completed_at,
        )


class ExperimentPage(BaseModel):
    items: list[ExperimentPublic]
    total: int
    limit: int
    offset: int


class MilestoneBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: Short
    due_on: date | None = None


class ImplementationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    owner_id: IdParam = Field(description="Who carries the implementation through.")
    planned_benefit: OptionalText = ""
    milestones: Annotated[list[MilestoneBody], Field(max_length=50)] = []


class ProgressBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    percent: int = Field(ge=0, le=100)
    milestones_done: Annotated[list[IdParam], Field(max_length=50)] = []
    note: OptionalText = ""


class CompletionBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    realised_benefit: Text


class MilestonePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    milestone_id: str
    position: int
    title: str
    due_on: date | None
    done_at: datetime | None


class ImplementationPublic(BaseModel):
    case_id: str
    idea_id: str
    owner_id: str
    planned_benefit: str
    percent: int
    started_at: datetime
    realised_benefit: str | None
    completed_at: datetime | None
    milestones: list[MilestonePublic]

    @classmethod
    def of(cls, row: ImplementationRow, milestones: Sequence[MilestoneRow]) -> Self:
        return cls(
            case_id=row.case_id,
            idea_id=row.idea_id,
            owner_id=row.owner_id,
            planned_benefit=row.planned_benefit,
            percent=row.percent,
            started_at=row.started_at,
            realised_benefit=row.realised_benefit,
            completed_at=row.completed_at,
            milestones=[MilestonePublic.model_validate(m) for m in milestones],
        )


class PracticeCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: Short
    summary: Text


class AdoptionBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    unit_id: IdParam
    note: OptionalText = ""


class AdoptionPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    unit_id: str
    note: str
    reported_by: str
    reported_at: datetime


class PracticePublic(BaseModel):
    practice_id: str
    idea_id: str
    unit_id: str
    title: str
    summary: str
    published_by: str
    published_at: datetime
    adoptions: list[AdoptionPublic]

    @classmethod
    def of(cls, row: PracticeRow, adoptions: Sequence[AdoptionRow]) -> Self:
        return cls(
            practice_id=row.practice_id,
            idea_id=row.idea_id,
            unit_id=row.unit_id,
            title=row.title,
            summary=row.summary,
            published_by=row.published_by,
            published_at=row.published_at,
            adoptions=[AdoptionPublic.model_validate(a) for a in adoptions],
        )


class PracticePage(BaseModel):
    items: list[PracticePublic]
    total: int
    limit: int
    offset: int
