"""Committees, meetings, scoring, decisions and minutes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from ideapaja_contracts.events.review import Decision
from ideapaja_review.db.models import AgendaItemRow, CaseRow, CommitteeRow, MeetingRow, ScoreRow
from ideapaja_review.domain.committee import MAX_SCORE, Criterion, MemberRole, weighted_score
from ideapaja_review.schemas.cases import DecisionCreate, IdParam, OptionalText, Text

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Label = Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)]
Key = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,31}$")]


_ITEM_STATUS = "pending (not decided yet), decided, or deferred (to a later meeting)"


class CriterionCreate(BaseModel):
    """One weighted criterion of a committee's rubric."""

    model_config = ConfigDict(extra="forbid")

    key: Key = Field(description="The criterion's key, used in scores (e.g. benefit).")
    weight: float = Field(gt=0, le=100, description="Its weight in the weighted mean.")
    label_fi: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)
    ] = Field(description="Its name in Finnish.")
    label_sv: Label = Field(default="", description="Its name in Swedish; may be blank.")
    label_en: Label = Field(default="", description="Its name in English; may be blank.")

    def criterion(self) -> Criterion:
        return Criterion(self.key, self.weight, self.label_fi, self.label_sv, self.label_en)


class CriterionPublic(CriterionCreate):
    """One weighted criterion of a rubric."""

    @classmethod
    def of(cls, data: dict[str, Any]) -> CriterionPublic:
        return cls(**data)


Criteria = Annotated[list[CriterionCreate], Field(min_length=1, max_length=20)]
_QUORUM = "The fewest eligible members who must score an item before it can be decided."


class CommitteeCreate(BaseModel):
    """A new committee."""

    model_config = ConfigDict(extra="forbid")

    name: Name = Field(description="The committee's name.")
    city_wide: bool = Field(
        default=False, description="The development committee: city ideas go to it."
    )
    quorum: int = Field(default=3, ge=1, le=50, description=_QUORUM)
    criteria: Criteria | None = Field(
        default=None,
        description="Weighted rubric; default: benefit, feasibility, cost, "
        "scope of impact, novelty.",
    )


class CommitteeUpdate(BaseModel):
    """A change to a committee: only the fields given change."""

    model_config = ConfigDict(extra="forbid")

    name: Name | None = Field(default=None, description="A new name.")
    city_wide: bool | None = Field(
        default=None, description="Make it (or stop it being) the development committee."
    )
    quorum: int | None = Field(default=None, ge=1, le=50, description=_QUORUM)
    criteria: Criteria | None = Field(default=None, description="A new weighted rubric.")


class MemberUpdate(BaseModel):
    """A member's role in a committee."""

    model_config = ConfigDict(extra="forbid")

    role: MemberRole = Field(
        default=MemberRole.MEMBER,
        description="chair (runs meetings, decides), secretary (organises; does not score) or "
        "member.",
    )


class MemberPublic(BaseModel):
    """A committee member."""

    person_id: str = Field(description="The member.")
    role: MemberRole = Field(description="chair, secretary or member.")


class CommitteePublic(BaseModel):
    """A committee: members, roles, rubric, quorum."""

    id: str = Field(description="The committee's id.")
    name: str = Field(description="The committee's name.")
    city_wide: bool = Field(description="The development committee: city ideas go to it.")
    quorum: int = Field(description=_QUORUM)
    criteria: list[CriterionPublic] = Field(description="The weighted rubric items are scored on.")
    members: list[MemberPublic] = Field(description="The members, by person id.")
    max_score: int = Field(default=MAX_SCORE, description="The highest score on a criterion.")

    @classmethod
    def of(cls, committee: CommitteeRow, members: Mapping[str, MemberRole]) -> CommitteePublic:
        return cls(
            id=committee.committee_id,
            name=committee.name,
            city_wide=committee.city_wide,
            quorum=committee.quorum,
            criteria=[CriterionPublic.of(c) for c in committee.criteria],
            members=[MemberPublic(person_id=p, role=r) for p, r in sorted(members.items())],
        )


class MeetingCreate(BaseModel):
    """A meeting to call."""

    model_config = ConfigDict(extra="forbid")

    title: Name = Field(description="The meeting's title.")
    scheduled_at: AwareDatetime = Field(
        description="When the meeting is held, with its UTC offset "
        "(2027-01-14T13:00:00+02:00); a time without one is refused."
    )
    case_ids: Annotated[list[IdParam], Field(max_length=200)] | None = Field(
        default=None,
        description="The agenda; default: every case in review waiting for the committee.",
    )


class AgendaItemPublic(BaseModel):
    """An item on a meeting's agenda: a case before the committee."""

    id: str = Field(
        description="The item's id: the id of the case on the agenda "
        "(/meetings/{meeting_id}/items/{id}, /cases/{id})."
    )
    position: int = Field(description="Its place on the agenda, from 1.")
    idea_id: str = Field(description="The idea under review.")
    title: str = Field(description="The idea's title.")
    author_ref: str = Field(description="Stable pseudonym of the authors; always safe to show.")
    status: Literal["pending", "decided", "deferred"] = Field(description=_ITEM_STATUS)
    decision: Decision | None = Field(description="The committee's decision; null until then.")
    weighted_mean: float | None = Field(
        description="The weighted mean score at the decision; null until decided."
    )

    @classmethod
    def of(cls, item: AgendaItemRow, case: CaseRow) -> AgendaItemPublic:
        return cls(
            position=item.position,
            id=case.case_id,
            idea_id=case.idea_id,
            title=case.title,
            author_ref=case.author_ref,
            status=item.status,
            decision=item.decision,
            weighted_mean=item.weighted_mean,
        )


class MeetingPublic(BaseModel):
    """A committee meeting with its agenda."""

    id: str = Field(description="The meeting's id.")
    committee_id: str = Field(description="The committee meeting.")
    title: str = Field(description="The meeting's title.")
    scheduled_at: datetime = Field(description="When the meeting is held.")
    status: Literal["planned", "closed"] = Field(
        description="planned, or closed (the minutes are final and public)."
    )
    quorum: int = Field(description=_QUORUM + " As when the meeting was called.")
    present_ids: list[str] = Field(description="The members recorded present.")
    criteria: list[CriterionPublic] = Field(
        description="The rubric, as it was when the meeting was called."
    )
    agenda: list[AgendaItemPublic] = Field(description="The items, in agenda order.")

    @classmethod
    def of(
        cls, meeting: MeetingRow, agenda: Sequence[tuple[AgendaItemRow, CaseRow]]
    ) -> MeetingPublic:
        return cls(
            id=meeting.meeting_id,
            committee_id=meeting.committee_id,
            title=meeting.title,
            scheduled_at=meeting.scheduled_at,
            status=meeting.status,
            quorum=meeting.quorum,
            present_ids=list(meeting.present_ids),
            criteria=[CriterionPublic.of(c) for c in meeting.criteria],
            agenda=[AgendaItemPublic.of(item, case) for item, case in agenda],
        )


class AttendanceUpdate(BaseModel):
    """Who is present at a meeting."""

    model_config = ConfigDict(extra="forbid")

    present_ids: Annotated[list[IdParam], Field(max_length=100)] = Field(
        description="The members present (replaces the earlier list)."
    )


class AgendaItemCreate(BaseModel):
    """A case to add to a meeting's agenda."""

    model_config = ConfigDict(extra="forbid")

    case_id: IdParam = Field(description="A case in review waiting for the committee.")


class ConflictCreate(BaseModel):
    """A member's declared conflict of interest with an agenda item."""

    model_config = ConfigDict(extra="forbid")

    person_id: IdParam | None = Field(
        default=None, description="Whose conflict (default: the caller's own)."
    )
    reason: Text = Field(description="Why; kept in the minutes.")


class ConflictPublic(BaseModel):
    """A member's conflict of interest: they do not score the item."""

    model_config = ConfigDict(from_attributes=True)

    person_id: str = Field(description="The member with the conflict.")
    reason: str = Field(description="Why.")
    recorded_by: str = Field(
        description="Who recorded it: the member, or the chair or secretary for them."
    )


class ScoreUpdate(BaseModel):
    """The caller's scores for an agenda item (replacing any earlier ones)."""

    model_config = ConfigDict(extra="forbid")

    scores: Annotated[dict[Key, int], Field(min_length=1, max_length=20)] = Field(
        description=f"A score from 0 to {MAX_SCORE} for every criterion of the rubric, by key."
    )
    comment: OptionalText = Field(default="", description="Optional; kept in the minutes.")


class ScorePublic(BaseModel):
    """A member's scores for an agenda item."""

    person_id: str = Field(description="The member who scored.")
    scores: dict[str, int] = Field(description="The score for every criterion, by key.")
    weighted: float = Field(description="The weighted mean of these scores.")
    comment: str = Field(description="Their comment; may be blank.")

    @classmethod
    def of(cls, row: ScoreRow, criteria: Sequence[Criterion]) -> ScorePublic:
        return cls(
            person_id=row.person_id,
            scores=row.scores,
            weighted=round(weighted_score(criteria, row.scores), 2),
            comment=row.comment,
        )


class EvaluationPublic(BaseModel):
    """An agenda item's evaluation: scores, conflicts, weighted mean, quorum."""

    id: str = Field(description="The item's id: the id of the case on the agenda.")
    status: Literal["pending", "decided", "deferred"] = Field(description=_ITEM_STATUS)
    criteria: list[CriterionPublic] = Field(description="The meeting's rubric.")
    scores: list[ScorePublic] = Field(description="Every member's scores so far.")
    conflicts: list[ConflictPublic] = Field(description="Declared conflicts of interest.")
    eligible_ids: list[str] = Field(description="Members who may score this item.")
    scorer_count: int = Field(description="How many eligible members have scored.")
    quorum: int = Field(description=_QUORUM)
    quorum_met: bool = Field(description="Enough eligible members have scored to decide.")
    criterion_means: dict[str, float | None] = Field(
        description="The mean score per criterion key; null where nobody scored."
    )
    weighted_mean: float | None = Field(description="The weighted mean; null with no scores.")


class ItemDecisionCreate(DecisionCreate):
    """The committee's decision on an agenda item (the chair's; needs quorum)."""


class DeferralCreate(BaseModel):
    """Deferring an agenda item to a later meeting."""

    model_config = ConfigDict(extra="forbid")

    reason: Text = Field(description="Why; kept in the minutes.")
