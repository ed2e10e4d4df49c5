"""Routing, screening and decisions on ideas (owned by review)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from ideapaja_contracts.base import Event, Id, LongText, ShortText
from ideapaja_contracts.events.idea import Scope


class Decision(StrEnum):
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    NEEDS_INFO = "needs_info"
    DUPLICATE = "duplicate"
    FORWARDED = "forwarded"


class ReviewEvent(Event):
    case_id: Id
    idea_id: Id

    def aggregate_id(self) -> str:
        return self.idea_id


class ScreeningStarted(ReviewEvent, aggregate="review", name="screening_started"):
    """A case was opened for a submitted idea and routed to its reviewers."""

    scope: Scope
    unit_id: Id
    reviewer_ids: list[Id]


class InfoRequested(ReviewEvent, aggregate="review", name="info_requested"):
    requested_by: Id
    question: LongText


class ReviewDecided(ReviewEvent, aggregate="review", name="decided"):
    """A decision with its rationale, shown to the author."""

    decision: Decision
    rationale: LongText
    decided_by: Id
    scope: Scope
    unit_id: Id
    # Set for ``duplicate`` (the surviving idea) and ``forwarded`` (the receiving unit).
    duplicate_of: Id | None = None
    forwarded_to_unit_id: Id | None = None


class IdeaMerged(ReviewEvent, aggregate="review", name="merged"):
    """``idea_id`` was merged into ``into_idea_id``; supporters and history move with it."""

    into_idea_id: Id
    merged_by: Id


class IdeaForwarded(ReviewEvent, aggregate="review", name="forwarded"):
    from_unit_id: Id
    to_unit_id: Id
    forwarded_by: Id
    reason: ShortText = ""


class ReviewStarted(ReviewEvent, aggregate="review", name="review_started"):
    """Screening accepted the idea for review (``in_review``): its reviewers evaluate it, or for
    a committee's ideas it waits for the committee's agenda."""

    started_by: Id
    scope: Scope
    unit_id: Id
    reviewer_ids: list[Id]
    committee_id: Id | None = None
    due_at: datetime | None = None
    note: LongText = ""


class InfoProvided(ReviewEvent, aggregate="review", name="info_provided"):
    """The authors answered a ``needs_info`` question; the case is back in screening.

    Named by ``author_ref`` (the pseudonym), never by person id: the idea may be anonymous.
    """

    author_ref: Id
    answer: LongText


class CaseReopened(ReviewEvent, aggregate="review", name="reopened"):
    """A decision was appealed by its authors or reopened by a reviewer; once per case.

    ``reopened_by`` is a person id, or the ``author_ref`` pseudonym when ``by_author`` is true.
    The case is back in ``in_review`` and will be decided again.
    """

    reopened_by: Id
    by_author: bool = False
    previous_decision: Decision
    reason: LongText


class CaseEscalated(ReviewEvent, aggregate="review", name="escalated"):
    """A step of the case went past its deadline and was escalated one level up
    (unit reviewers → department → committee → admin)."""

    step: ShortText
    due_at: datetime
    level: int = Field(ge=1)
    escalated_to: ShortText
    scope: Scope
    unit_id: Id
    # Who was added to the case's reviewers by this escalation (empty for the admin level).
    added_reviewer_ids: list[Id] = Field(default_factory=list)
    reviewer_ids: list[Id] = Field(default_factory=list)
    next_due_at: datetime | None = None


class CaseDeadlineNear(ReviewEvent, aggregate="review", name="deadline_near"):
    """A step of the case is due soon (within review's warning period) and not done yet: a
    reminder to its reviewers, published once per step entry and escalation level (each level
    has a deadline of its own). A step found already overdue gets ``CaseEscalated`` instead."""

    step: ShortText
    due_at: datetime
    # The escalation level the step is at (0: not escalated); with ``step`` it tells which
    # deadline this is.
    level: int = Field(ge=0)
    scope: Scope
    unit_id: Id
    reviewer_ids: list[Id] = Field(default_factory=list)


class MinutesPublished(Event, aggregate="committee", name="minutes_published"):
    """A committee meeting was closed and its minutes (decisions with rationale) published."""

    meeting_id: Id
    committee_id: Id
    title: ShortText
    decided_idea_ids: list[Id] = Field(default_factory=list)
    deferred_idea_ids: list[Id] = Field(default_factory=list)
    closed_by: Id
    # The committee's members when the minutes were published, so they can be told (optional:
    # producers before it send none, and nobody is told).
    member_ids: list[Id] = Field(default_factory=list)

    def aggregate_id(self) -> str:
        return self.meeting_id


class AgendaCase(BaseModel):
    """One case on a meeting's agenda, as its committee members see it (never its authors)."""

    # Like an event: a field added later is ignored by older readers.
    model_config = ConfigDict(frozen=True, extra="ignore")

    case_id: Id
    idea_id: Id
    title: ShortText


class MeetingScheduled(Event, aggregate="committee", name="meeting_scheduled"):
    """A committee meeting was called with its agenda; its members may score the agenda's cases
    from now until each is decided."""

    meeting_id: Id
    committee_id: Id
    title: ShortText
    scheduled_at: datetime
    agenda: list[AgendaCase] = Field(default_factory=list)
    # The committee's members when the meeting was called: who is invited.
    member_ids: list[Id] = Field(default_factory=list)
    called_by: Id

    def aggregate_id(self) -> str:
        return self.meeting_id


class ScoringOpened(Event, aggregate="committee", name="scoring_opened"):
    """A case was added to a called meeting's agenda after the invitation: the committee's
    members may score it now."""

    meeting_id: Id
    committee_id: Id
    title: ShortText
    scheduled_at: datetime
    case: AgendaCase
    member_ids: list[Id] = Field(default_factory=list)
    added_by: Id

    def aggregate_id(self) -> str:
        return self.meeting_id
