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
    """A pilot (kokeilu) of an accepted idea."""

    model_config = ConfigDict(extra="forbid")

    pilot_unit_ids: Annotated[list[IdParam], Field(min_length=1, max_length=50)] = Field(
        description="The units that pilot the idea."
    )
    hypothesis: Text = Field(description="What the pilot is expected to show.")
    measure: Short = Field(description="What is measured, e.g. 'evening loans per week'.")
    baseline: OptionalShort = Field(default="", description="The measure's value before.")
    starts_on: date = Field(description="The pilot's first day.")
    ends_on: date = Field(description="The pilot's last day.")


class ExperimentResultCreate(BaseModel):
    """An experiment's results, which complete it."""

    model_config = ConfigDict(extra="forbid")

    result: Text = Field(description="What happened in the pilot.")
    measured_value: OptionalShort = Field(default="", description="The measure's value after.")
    outcome: ExperimentOutcome = Field(
        description="scale (implement it widely), adjust (pilot again, changed) or stop."
    )
    lesson: Text = Field(description="What was learned; published with the results.")


class ExperimentPublic(BaseModel):
    """An experiment and its results, open to every employee."""

    id: str = Field(description="The experiment's id.")
    case_id: str = Field(description="The case of the idea piloted.")
    idea_id: str = Field(description="The idea piloted.")
    idea_title: str = Field(description="The idea's title.")
    unit_id: str = Field(description="The unit the idea is for.")
    pilot_unit_ids: list[str] = Field(description="The units piloting it.")
    hypothesis: str = Field(description="What the pilot is expected to show.")
    measure: str = Field(description="What is measured.")
    baseline: str = Field(description="The measure's value before; may be blank.")
    starts_on: date = Field(description="The pilot's first day.")
    ends_on: date = Field(description="The pilot's last day.")
    status: str = Field(description="running, or completed once its results are in.")
    result: str | None = Field(description="What happened; null while running.")
    measured_value: str | None = Field(description="The measure's value after; null while running.")
    outcome: ExperimentOutcome | None = Field(
        description="scale, adjust or stop; null while running."
    )
    lesson: str | None = Field(description="What was learned; null while running.")
    started_at: datetime = Field(description="When the experiment was started.")
    completed_at: datetime | None = Field(description="When its results were recorded.")

    @classmethod
    def of(cls, row: ExperimentRow, case: CaseRow) -> Self:
        """The experiment with its idea's title and unit (from its case)."""
        return cls(
            id=row.experiment_id,
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


class MilestoneCreate(BaseModel):
    """A milestone of an implementation."""

    model_config = ConfigDict(extra="forbid")

    title: Short = Field(description="What is to be done.")
    due_on: date | None = Field(default=None, description="When it is due; null: no due day.")


class ImplementationCreate(BaseModel):
    """Starting to implement an accepted (or piloted) idea."""

    model_config = ConfigDict(extra="forbid")

    owner_id: IdParam = Field(description="Who carries the implementation through.")
    planned_benefit: OptionalText = Field(default="", description="The benefit expected.")
    milestones: Annotated[list[MilestoneCreate], Field(max_length=50)] = Field(
        default=[], description="The milestones, in order."
    )


class ProgressCreate(BaseModel):
    """A report of implementation progress."""

    model_config = ConfigDict(extra="forbid")

    percent: int = Field(ge=0, le=100, description="How far the implementation is, 0–100.")
    milestones_done: Annotated[list[IdParam], Field(max_length=50)] = Field(
        default=[], description="Ids of the milestones done since the last report."
    )
    note: OptionalText = Field(default="", description="Optional; kept in the case history.")


class ImplementationCompletionCreate(BaseModel):
    """Completing an implementation."""

    model_config = ConfigDict(extra="forbid")

    realised_benefit: Text = Field(description="The benefit realised (reward rules read it).")


class MilestonePublic(BaseModel):
    """A milestone of an implementation."""

    model_config = ConfigDict(from_attributes=True)

    id: str = Field(validation_alias="milestone_id", description="The milestone's id.")
    position: int = Field(description="Its place in the plan, from 1.")
    title: str = Field(description="What is to be done.")
    due_on: date | None = Field(description="When it is due; null: no due day.")
    done_at: datetime | None = Field(description="When it was reported done; null until then.")


class ImplementationPublic(BaseModel):
    """An idea's implementation: owner, milestones, progress."""

    case_id: str = Field(description="The case of the idea implemented.")
    idea_id: str = Field(description="The idea implemented.")
    owner_id: str = Field(description="Who carries the implementation through.")
    planned_benefit: str = Field(description="The benefit expected; may be blank.")
    percent: int = Field(description="How far the implementation is, 0–100.")
    started_at: datetime = Field(description="When implementation started.")
    realised_benefit: str | None = Field(description="The benefit realised; null until complete.")
    completed_at: datetime | None = Field(description="When it was completed; null until then.")
    milestones: list[MilestonePublic] = Field(description="The milestones, in order.")

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
    """Publishing an implemented idea as a good practice."""

    model_config = ConfigDict(extra="forbid")

    title: Short = Field(description="The practice's title.")
    summary: Text = Field(description="What other units need to know to adopt it.")


class AdoptionCreate(BaseModel):
    """A unit's report that it adopted a practice."""

    model_config = ConfigDict(extra="forbid")

    unit_id: IdParam = Field(description="The unit that adopted the practice.")
    note: OptionalText = Field(default="", description="Optional: how it went.")


class AdoptionPublic(BaseModel):
    """A unit's adoption of a practice."""

    model_config = ConfigDict(from_attributes=True)

    unit_id: str = Field(description="The unit that adopted the practice.")
    note: str = Field(description="How it went; may be blank.")
    reported_by: str = Field(description="Who reported the adoption.")
    reported_at: datetime = Field(description="When it was reported.")


class PracticePublic(BaseModel):
    """A good practice with the units that adopted it."""

    id: str = Field(description="The practice's id.")
    idea_id: str = Field(description="The idea it came from.")
    unit_id: str = Field(description="The unit that implemented the idea.")
    title: str = Field(description="The practice's title.")
    summary: str = Field(description="What other units need to know to adopt it.")
    published_by: str = Field(description="Who published it.")
    published_at: datetime = Field(description="When it was published.")
    adoptions: list[AdoptionPublic] = Field(description="The units that adopted it, in order.")

    @classmethod
    def of(cls, row: PracticeRow, adoptions: Sequence[AdoptionRow]) -> Self:
        return cls(
            id=row.practice_id,
            idea_id=row.idea_id,
            unit_id=row.unit_id,
            title=row.title,
            summary=row.summary,
            published_by=row.published_by,
            published_at=row.published_at,
            adoptions=[AdoptionPublic.model_validate(a) for a in adoptions],
        )
