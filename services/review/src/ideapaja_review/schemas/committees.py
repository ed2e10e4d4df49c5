"""Committees, meetings, scoring, decisions and minutes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from ideapaja_contracts.events.review import Decision
from ideapaja_review.domain.committee import MAX_SCORE, Criterion, MemberRole
from ideapaja_review.schemas.cases import DecisionRequest, IdParam, OptionalText, Text

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Label = Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)]
Key = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,31}$")]


class CriterionBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: Key
    weight: float = Field(gt=0, le=100)
    label_fi: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    label_sv: Label = ""
    label_en: Label = ""

    def criterion(self) -> Criterion:
        return Criterion(self.key, self.weight, self.label_fi, self.label_sv, self.label_en)

    @classmethod
    def of(cls, data: dict[str, Any]) -> CriterionBody:
        return cls(**data)


Criteria = Annotated[list[CriterionBody], Field(min_length=1, max_length=20)]


class CommitteeCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name
    city_wide: bool = Field(
        default=False, description="The development committee: city ideas go to it."
    )
    quorum: int = Field(default=3, ge=1, le=50, description="Minimum eligible scorers.")
    criteria: Criteria | None = Field(
        default=None,
        description="Weighted rubric; default: benefit, feasibility, cost, "
        "scope of impact, novelty.",
    )


class CommitteeUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    city_wide: bool | None = None
    quorum: int | None = Field(default=None, ge=1, le=50)
    criteria: Criteria | None = None


class MemberBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: MemberRole = MemberRole.MEMBER


class MemberPublic(BaseModel):
    person_id: str
    role: MemberRole


class CommitteePublic(BaseModel):
    committee_id: str
    name: str
    city_wide: bool
    quorum: int
    criteria: list[CriterionBody]
    members: list[MemberPublic]
    max_score: int = MAX_SCORE


class MeetingCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: Name
    scheduled_at: datetime
    case_ids: Annotated[list[IdParam], Field(max_length=200)] | None = Field(
        default=None,
        description="The agenda; default: every case in review waiting for the committee.",
    )


class AgendaItemPublic(BaseModel):
    position: int
    case_id: str
    idea_id: str
    title: str
    author_ref: str
    status: Literal["pending", "decided", "deferred"]
    decision: Decision | None
    weighted_mean: float | None


class MeetingPublic(BaseModel):
    meeting_id: str
    committee_id: str
    title: str
    scheduled_at: datetime
    status: Literal["planned", "closed"]
    quorum: int
    present_ids: list[str]
    criteria: list[CriterionBody]
    agenda: list[AgendaItemPublic]


class AttendanceBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    present_ids: Annotated[list[IdParam], Field(max_length=100)]


class AgendaAddBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    case_id: IdParam


class ConflictBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    person_id: IdParam | None = Field(
        default=None, description="Whose conflict (default: the caller's own)."
    )
    reason: Text


class ConflictPublic(BaseModel):
    person_id: str
    reason: str
    recorded_by: str


class ScoreBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    scores: Annotated[dict[Key, int], Field(min_length=1, max_length=20)]
    comment: OptionalText = ""


class ScorePublic(BaseModel):
    person_id: str
    scores: dict[str, int]
    weighted: float
    comment: str


class EvaluationPublic(BaseModel):
    case_id: str
    status: Literal["pending", "decided", "deferred"]
    criteria: list[CriterionBody]
    scores: list[ScorePublic]
    conflicts: list[ConflictPublic]
    eligible_ids: list[str] = Field(description="Members who may score this item.")
    scorer_count: int
    quorum: int
    quorum_met: bool
    criterion_means: dict[str, float | None]
    weighted_mean: float | None


class ItemDecisionRequest(DecisionRequest):
    pass


class DeferBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Text
