"""The review service's own tables: the org projection from HR, cases, reviewers, history,
routing rules and the change-agent network, committees and their meetings, experiments,
implementation, good practices, escalations and the admin audit log."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from ideapaja_runtime.clock import UtcDateTime
from ideapaja_runtime.db import service_metadata

ID = 64


class ReviewBase(DeclarativeBase):
    """The review service's own tables (see ``service_metadata`` for why not a shared base)."""

    metadata = service_metadata()


class OrgUnitRow(ReviewBase):
    """Units and departments as HR last described them (UnitUpserted)."""

    __tablename__ = "org_units"

    unit_id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    parent_id: Mapped[str | None] = mapped_column(String(ID))
    name_fi: Mapped[str] = mapped_column(String(200), default="")
    # The HR event time of the version stored: an older event arriving late changes nothing.
    as_of: Mapped[datetime] = mapped_column(UtcDateTime)


class OrgPersonRow(ReviewBase):
    """People, only as far as routing and the minutes need them: name, unit, roles, still in
    service. No contact data. The name is erased with the person (usecases/erasures.py)."""

    __tablename__ = "org_people"

    person_id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    # HR's display name, for the minutes and committee pages; null when unknown or erased.
    display_name: Mapped[str | None] = mapped_column(String(200))
    # Unknown when PersonLeft is the first we hear of someone.
    unit_id: Mapped[str | None] = mapped_column(String(ID), index=True)
    active: Mapped[bool] = mapped_column(Boolean)
    as_of: Mapped[datetime] = mapped_column(UtcDateTime)


class OrgPersonRoleRow(ReviewBase):
    __tablename__ = "org_person_roles"

    person_id: Mapped[str] = mapped_column(
        String(ID), ForeignKey("org_people.person_id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(32), primary_key=True, index=True)


class CaseRow(ReviewBase):
    """One review case per idea and round, with the idea's content for the reviewers.

    An idea has one case, until it is forwarded: the forwarded case stays as it was decided and
    the receiving unit's case is the next round (``previous_case_id`` links them).
    """

    __tablename__ = "review_cases"

    case_id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    idea_id: Mapped[str] = mapped_column(String(ID))
    round: Mapped[int] = mapped_column(Integer, default=1)
    previous_case_id: Mapped[str | None] = mapped_column(String(ID))
    title: Mapped[str] = mapped_column(String(200))
    problem: Mapped[str] = mapped_column(Text)
    solution: Mapped[str] = mapped_column(Text)
    benefit: Mapped[str] = mapped_column(Text, default="")
    scope: Mapped[str] = mapped_column(String(16))
    unit_id: Mapped[str] = mapped_column(String(ID))
    language: Mapped[str] = mapped_column(String(2))
    anonymous: Mapped[bool] = mapped_column(Boolean)
    author_ref: Mapped[str] = mapped_column(String(ID))
    # Kept for conflict-of-interest checks; never shown when the idea is anonymous.
    author_ids: Mapped[list[str]] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(32))
    decision: Mapped[str | None] = mapped_column(String(32))
    routed: Mapped[bool] = mapped_column(Boolean)
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime)
    screening_due_at: Mapped[datetime] = mapped_column(UtcDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    decided_by: Mapped[str | None] = mapped_column(String(ID))
    rationale: Mapped[str | None] = mapped_column(Text)
    duplicate_of: Mapped[str | None] = mapped_column(String(ID))
    forwarded_to_unit_id: Mapped[str | None] = mapped_column(String(ID))
    # The committee whose agenda the idea goes on (committee ideas).
    committee_id: Mapped[str | None] = mapped_column(String(ID))
    # The current step (= state) and its deadline: each entry into a step counts up step_seq,
    # so escalations are unique per (case, step, step_seq, level).
    step_seq: Mapped[int] = mapped_column(Integer, default=1)
    step_entered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    due_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    appealed: Mapped[bool] = mapped_column(Boolean, default=False)
    # The pilot's outcome while piloted (scale | adjust).
    outcome: Mapped[str | None] = mapped_column(String(16))
    # The question of the latest needs_info decision, for the authors.
    info_question: Mapped[str | None] = mapped_column(Text)
    content_revision: Mapped[int] = mapped_column(Integer, default=1)
    # Lemmas and compound parts of the idea's text (ideapaja_search.analysis.stored_terms) for
    # the work list's search: LIKE on SQLite; PostgreSQL indexes them in its generated
    # ``search_vector`` column (migration 0006), which the model leaves out.
    search_terms: Mapped[str] = mapped_column(Text, default="", server_default="")
    search_parts: Mapped[str] = mapped_column(Text, default="", server_default="")

    __table_args__ = (
        UniqueConstraint("idea_id", "round", name="uq_review_cases_idea_round"),
        Index("ix_review_cases_state_opened", "state", "opened_at"),
        Index("ix_review_cases_routed_state", "routed", "state"),
        Index("ix_review_cases_due", "due_at"),
        # The work list, oldest first a page at a time.
        Index("ix_review_cases_opened", "opened_at", "case_id"),
        # The reports' rounds of each idea, read from the index alone (migration 0008).
        Index("ix_review_cases_idea_opened", "idea_id", "opened_at", "decision", "case_id"),
        # The reviewers' workloads: open cases and their deadlines, from the index alone
        # (migration 0009).
        Index("ix_review_cases_state_case", "state", "case_id", "due_at"),
    )


class CaseReviewerRow(ReviewBase):
    __tablename__ = "case_reviewers"

    case_id: Mapped[str] = mapped_column(
        String(ID), ForeignKey("review_cases.case_id"), primary_key=True
    )
    person_id: Mapped[str] = mapped_column(String(ID), primary_key=True, index=True)
    # How they got the case: routing, or an escalation of an overdue step.
    source: Mapped[str] = mapped_column(String(16), default="routing")
    added_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class CaseHistoryRow(ReviewBase):
    """Append-only: every step of a case with who, when and why. Rows are never updated."""

    __tablename__ = "case_history"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(String(ID), ForeignKey("review_cases.case_id"))
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # None when the service itself acted (opening, routing); a person id otherwise.
    actor_id: Mapped[str | None] = mapped_column(String(ID))
    action: Mapped[str] = mapped_column(String(32))
    from_state: Mapped[str | None] = mapped_column(String(32))
    to_state: Mapped[str] = mapped_column(String(32))
    decision: Mapped[str | None] = mapped_column(String(32))
    reason: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    __table_args__ = (Index("ix_case_history_case_seq", "case_id", "seq"),)


class RoutingLockRow(ReviewBase):
    """One row that routing transactions lock first, so opening a case and routing it again on
    new HR data never miss each other (PostgreSQL; SQLite serialises writers anyway)."""

    __tablename__ = "routing_lock"

    lock_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)


class RoutingRuleRow(ReviewBase):
    """A department's routing rule (or the city-wide ``default``), as admins configured it."""

    __tablename__ = "routing_rules"

    department_id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    rule: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_by: Mapped[str] = mapped_column(String(ID))


class AssignedReviewerRow(ReviewBase):
    """A change agent (or supervisor) an admin assigned to a unit, besides HR's roles."""

    __tablename__ = "assigned_reviewers"

    unit_id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    person_id: Mapped[str] = mapped_column(String(ID), primary_key=True, index=True)
    role: Mapped[str] = mapped_column(String(32))
    assigned_by: Mapped[str] = mapped_column(String(ID))
    assigned_at: Mapped[datetime] = mapped_column(UtcDateTime)


class CommitteeRow(ReviewBase):
    __tablename__ = "committees"

    committee_id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    # The development committee: city ideas go to it unless a department's rule names another.
    city_wide: Mapped[bool] = mapped_column(Boolean)
    quorum: Mapped[int] = mapped_column(Integer)
    criteria: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class CommitteeMemberRow(ReviewBase):
    __tablename__ = "committee_members"

    committee_id: Mapped[str] = mapped_column(
        String(ID), ForeignKey("committees.committee_id"), primary_key=True
    )
    person_id: Mapped[str] = mapped_column(String(ID), primary_key=True, index=True)
    role: Mapped[str] = mapped_column(String(16))


class MeetingRow(ReviewBase):
    __tablename__ = "meetings"

    meeting_id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    committee_id: Mapped[str] = mapped_column(
        String(ID), ForeignKey("committees.committee_id"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    scheduled_at: Mapped[datetime] = mapped_column(UtcDateTime)
    status: Mapped[str] = mapped_column(String(16))
    # The rubric and quorum as they were when the meeting was called.
    criteria: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    quorum: Mapped[int] = mapped_column(Integer)
    present_ids: Mapped[list[str]] = mapped_column(JSON)
    created_by: Mapped[str] = mapped_column(String(ID))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    closed_by: Mapped[str | None] = mapped_column(String(ID))
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    # A committee's meetings by when they are held, a page at a time.
    __table_args__ = (
        Index("ix_meetings_committee_scheduled", "committee_id", "scheduled_at", "meeting_id"),
    )


class AgendaItemRow(ReviewBase):
    __tablename__ = "agenda_items"

    meeting_id: Mapped[str] = mapped_column(
        String(ID), ForeignKey("meetings.meeting_id"), primary_key=True
    )
    case_id: Mapped[str] = mapped_column(
        String(ID), ForeignKey("review_cases.case_id"), primary_key=True, index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    decision: Mapped[str | None] = mapped_column(String(32))
    rationale: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[str | None] = mapped_column(String(ID))
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    weighted_mean: Mapped[float | None] = mapped_column(Float)


class ConflictRow(ReviewBase):
    """A member's conflict of interest with one agenda item: they do not score it."""

    __tablename__ = "meeting_conflicts"

    meeting_id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    case_id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    person_id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    reason: Mapped[str] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(ID))
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ScoreRow(ReviewBase):
    __tablename__ = "meeting_scores"

    meeting_id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    case_id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    person_id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    scores: Mapped[dict[str, int]] = mapped_column(JSON)
    comment: Mapped[str] = mapped_column(Text)
    scored_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ExperimentRow(ReviewBase):
    """A pilot (kokeilu) of an accepted idea; its results are readable by every employee."""

    __tablename__ = "experiments"

    experiment_id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    case_id: Mapped[str] = mapped_column(String(ID), ForeignKey("review_cases.case_id"), index=True)
    idea_id: Mapped[str] = mapped_column(String(ID), index=True)
    pilot_unit_ids: Mapped[list[str]] = mapped_column(JSON)
    hypothesis: Mapped[str] = mapped_column(Text)
    measure: Mapped[str] = mapped_column(String(200))
    baseline: Mapped[str] = mapped_column(String(200))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16))
    started_by: Mapped[str] = mapped_column(String(ID))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    result: Mapped[str | None] = mapped_column(Text)
    measured_value: Mapped[str | None] = mapped_column(String(200))
    outcome: Mapped[str | None] = mapped_column(String(16))
    lesson: Mapped[str | None] = mapped_column(Text)
    completed_by: Mapped[str | None] = mapped_column(String(ID))
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    # The open list of experiments, newest first a page at a time.
    __table_args__ = (Index("ix_experiments_started", "started_at", "experiment_id"),)


class ImplementationRow(ReviewBase):
    __tablename__ = "implementations"

    case_id: Mapped[str] = mapped_column(
        String(ID), ForeignKey("review_cases.case_id"), primary_key=True
    )
    idea_id: Mapped[str] = mapped_column(String(ID), index=True)
    owner_id: Mapped[str] = mapped_column(String(ID), index=True)
    planned_benefit: Mapped[str] = mapped_column(Text)
    percent: Mapped[int] = mapped_column(Integer)
    started_by: Mapped[str] = mapped_column(String(ID))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    realised_benefit: Mapped[str | None] = mapped_column(Text)
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class MilestoneRow(ReviewBase):
    __tablename__ = "milestones"

    milestone_id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    case_id: Mapped[str] = mapped_column(
        String(ID), ForeignKey("implementations.case_id"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    due_on: Mapped[date | None] = mapped_column(Date)
    done_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class PracticeRow(ReviewBase):
    """An implemented idea published as a good practice for other units to adopt."""

    __tablename__ = "practices"

    practice_id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    case_id: Mapped[str] = mapped_column(
        String(ID), ForeignKey("review_cases.case_id"), unique=True
    )
    idea_id: Mapped[str] = mapped_column(String(ID), index=True)
    unit_id: Mapped[str] = mapped_column(String(ID))
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text)
    published_by: Mapped[str] = mapped_column(String(ID))
    published_at: Mapped[datetime] = mapped_column(UtcDateTime)

    # The open list of good practices, newest first a page at a time.
    __table_args__ = (Index("ix_practices_published", "published_at", "practice_id"),)


class AdoptionRow(ReviewBase):
    __tablename__ = "practice_adoptions"

    practice_id: Mapped[str] = mapped_column(
        String(ID), ForeignKey("practices.practice_id"), primary_key=True
    )
    unit_id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    note: Mapped[str] = mapped_column(Text)
    reported_by: Mapped[str] = mapped_column(String(ID))
    reported_at: Mapped[datetime] = mapped_column(UtcDateTime)


class EscalationRow(ReviewBase):
    """One escalation of one overdue step. The unique key makes the deadline sweep safe to run
    in every replica at once: a second escalation of the same step to the same level fails."""

    __tablename__ = "escalations"

    escalation_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(String(ID), ForeignKey("review_cases.case_id"))
    step: Mapped[str] = mapped_column(String(32))
    step_seq: Mapped[int] = mapped_column(Integer)
    level: Mapped[int] = mapped_column(Integer)
    target: Mapped[str] = mapped_column(String(16))
    missed_due_at: Mapped[datetime] = mapped_column(UtcDateTime)
    escalated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    added_reviewer_ids: Mapped[list[str]] = mapped_column(JSON)

    __table_args__ = (
        UniqueConstraint(
            "case_id", "step", "step_seq", "level", name="uq_escalations_case_step_level"
        ),
    )


class DeadlineWarningRow(ReviewBase):
    """One reminder that a step's deadline is near. The unique key makes the sweep remind once
    per step entry and level, in every replica at once and across re-runs."""

    __tablename__ = "deadline_warnings"

    warning_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(String(ID), ForeignKey("review_cases.case_id"))
    step: Mapped[str] = mapped_column(String(32))
    step_seq: Mapped[int] = mapped_column(Integer)
    level: Mapped[int] = mapped_column(Integer)
    due_at: Mapped[datetime] = mapped_column(UtcDateTime)
    warned_at: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (
        UniqueConstraint(
            "case_id", "step", "step_seq", "level", name="uq_deadline_warnings_case_step_level"
        ),
    )


class AuditRow(ReviewBase):
    """Append-only: configuration changes (rules, network, committees) with who, when, why."""

    __tablename__ = "audit_log"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime)
    actor_id: Mapped[str] = mapped_column(String(ID))
    action: Mapped[str] = mapped_column(String(48))
    subject: Mapped[str] = mapped_column(String(200))
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON)
