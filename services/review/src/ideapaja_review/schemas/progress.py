"""Experiments, implementation and good practices."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from ideapaja_contracts.events.progress import ExperimentOutcome
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


class PracticeCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: Short
    summary: Text


class AdoptionBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    unit_id: IdParam
    note: OptionalText = ""


class AdoptionPublic(BaseModel):
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


class PracticePage(BaseModel):
    items: list[PracticePublic]
    total: int
    limit: int
    offset: int
