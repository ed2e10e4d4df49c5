"""After acceptance: experiments, implementation and good practices (owned by review)."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import Field

from ideapaja_contracts.base import Id, IdeaKeyedEvent, LongText, ShortText


class ExperimentOutcome(StrEnum):
    SCALE = "scale"
    ADJUST = "adjust"
    STOP = "stop"


class ProgressEvent(IdeaKeyedEvent):
    """The events of this module, each about one idea."""


class ExperimentStarted(ProgressEvent, aggregate="experiment", name="started"):
    experiment_id: Id
    pilot_unit_ids: list[Id] = Field(min_length=1)
    hypothesis: LongText
    measure: ShortText
    baseline: ShortText = ""
    starts_on: date
    ends_on: date


class ExperimentCompleted(ProgressEvent, aggregate="experiment", name="completed"):
    experiment_id: Id
    result: LongText
    outcome: ExperimentOutcome
    lesson: LongText = ""
    # The measure's value at the end of the pilot, to compare with the baseline.
    measured_value: ShortText = ""


class ImplementationProgressed(ProgressEvent, aggregate="implementation", name="progressed"):
    owner_id: Id
    percent: int = Field(ge=0, le=100)
    milestone: ShortText = ""


class ImplementationCompleted(ProgressEvent, aggregate="implementation", name="completed"):
    owner_id: Id
    realised_benefit: LongText = ""


class PracticePublished(ProgressEvent, aggregate="practice", name="published"):
    practice_id: Id
    title: ShortText
    summary: LongText
    published_by: Id
    # The unit where the practice was first implemented.
    unit_id: Id | None = None


class PracticeAdopted(ProgressEvent, aggregate="practice", name="adopted"):
    practice_id: Id
    adopting_unit_id: Id
    reported_by: Id
