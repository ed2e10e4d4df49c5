"""What the case API accepts and returns. Authors stay hidden when an idea is anonymous."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from ideapaja_contracts.base import ID_PATTERN
from ideapaja_contracts.events.idea import Scope
from ideapaja_contracts.events.progress import ExperimentOutcome
from ideapaja_contracts.events.review import Decision
from ideapaja_review.db.models import CaseHistoryRow
from ideapaja_review.domain.deadlines import Level, is_overdue, starting_level
from ideapaja_review.domain.lifecycle import Action, CaseState, allowed_actions
from ideapaja_review.usecases.case_decisions import DecisionTaken
from ideapaja_review.usecases.case_records import CaseRecord

IdParam = Annotated[str, StringConstraints(pattern=ID_PATTERN)]
MAX_RATIONALE = 5000
Text = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_RATIONALE)
]
OptionalText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=MAX_RATIONALE)]


_DECISION = (
    "accepted, rejected, needs_info (the authors are asked a question), duplicate (of another "
    "idea) or forwarded (to another unit)"
)
_STATUS = (
    "Where the case is: screening, in_review, decided, experiment, piloted, stopped, "
    "implementing, implemented, good_practice or withdrawn"
)


class DecisionCreate(BaseModel):
    """A decision on a case in screening or review."""

    model_config = ConfigDict(extra="forbid")

    decision: Decision = Field(description=f"The decision: {_DECISION}.")
    rationale: Text = Field(description="Why; shown to the author and kept in the case history.")
    duplicate_of: IdParam | None = Field(
        default=None, description="The surviving idea; required for (and only for) duplicate."
    )
    forwarded_to_unit_id: IdParam | None = Field(
        default=None,
        description="A known unit receiving the idea; required for (and only for) forwarded.",
    )
    question: Text | None = Field(
        default=None,
        description="needs_info only: the question the authors answer (default: the rationale).",
    )

    @model_validator(mode="after")
    def targets_match_decision(self) -> Self:
        pairs = (
            ("duplicate_of", Decision.DUPLICATE, self.duplicate_of),
            ("forwarded_to_unit_id", Decision.FORWARDED, self.forwarded_to_unit_id),
        )
        for field, needing, value in pairs:
            if self.decision is needing and value is None:
                raise ValueError(f"{field} is required when the decision is {needing}")
            if self.decision is not needing and value is not None:
                raise ValueError(f"{field} is only allowed when the decision is {needing}")
        if self.question is not None and self.decision is not Decision.NEEDS_INFO:
            raise ValueError("question is only allowed when the decision is needs_info")
        return self

    def taken(self) -> DecisionTaken:
        """The decision as the use cases take it."""
        return DecisionTaken(
            decision=self.decision,
            rationale=self.rationale,
            duplicate_of=self.duplicate_of,
            forwarded_to_unit_id=self.forwarded_to_unit_id,
            question=self.question,
        )


class AcceptanceCreate(BaseModel):
    """Accepting an idea for review at screening."""

    model_config = ConfigDict(extra="forbid")

    note: OptionalText = Field(default="", description="Optional; kept in the case history.")


class ReopeningCreate(BaseModel):
    """Reopening a decided case (a reviewer's or admin's; once per case)."""

    model_config = ConfigDict(extra="forbid")

    reason: Text = Field(description="Why; kept in the case history and sent with the event.")


class AppealCreate(BaseModel):
    """The authors' appeal of a decision (once per case)."""

    model_config = ConfigDict(extra="forbid")

    reason: Text = Field(description="Why; kept in the case history and sent with the event.")


class AnswerCreate(BaseModel):
    """The authors' answer to a needs_info question."""

    model_config = ConfigDict(extra="forbid")

    answer: Text = Field(description="The authors' answer to the reviewers' question.")


class HistoryEntryPublic(BaseModel):
    """One step in a case's history (append-only)."""

    occurred_at: datetime = Field(description="When the step was taken.")
    actor_id: str | None = Field(
        description="Who acted: a person id, an anonymous idea's author pseudonym, or null when "
        "the service did (routing, escalation)."
    )
    action: str = Field(
        description="What was done: opened, routed, decide, appeal, escalated, and so on."
    )
    from_status: str | None = Field(description="The case's status before; null when opened.")
    to_status: str = Field(description="The case's status after.")
    decision: Decision | None = Field(description="The decision made, if the step made one.")
    reason: str | None = Field(
        description="The rationale, question, answer or reason a person gave; null on steps the "
        "service takes (opened, routed, escalated), whose facts are in details."
    )
    details: dict[str, Any] | None = Field(
        description="Step-specific facts (e.g. the reviewers routed to); null when none."
    )

    @classmethod
    def of(cls, row: CaseHistoryRow) -> HistoryEntryPublic:
        return cls(
            occurred_at=row.occurred_at,
            actor_id=row.actor_id,
            action=row.action,
            from_status=row.from_state,
            to_status=row.to_state,
            decision=Decision(row.decision) if row.decision else None,
            reason=row.reason,
            details=row.details,
        )


class CaseSummaryPublic(BaseModel):
    """A case as a work list shows it."""

    id: str = Field(description="The case's id.")
    idea_id: str = Field(description="The idea under review.")
    round: int = Field(description="1, or more for an idea forwarded from another unit.")
    title: str = Field(description="The idea's title.")
    scope: Scope = Field(description="Whom the idea concerns: unit, department or city.")
    unit_id: str = Field(description="The unit the idea is for (it decides the reviewers).")
    language: str = Field(description="The idea's language: fi, sv or en.")
    status: CaseState = Field(description=_STATUS + ".")
    decision: Decision | None = Field(description=f"The decision once decided: {_DECISION}.")
    routed: bool = Field(description="False while no reviewer could be found for the idea.")
    reviewer_ids: list[str] = Field(description="The people reviewing the case.")
    anonymous: bool = Field(description="The authors are hidden from the reviewers.")
    author_ref: str = Field(description="Stable pseudonym of the authors; always safe to show.")
    opened_at: datetime = Field(description="When the case was opened (the idea submitted).")
    screening_due_at: datetime = Field(description="When screening was (or is) due.")
    decided_at: datetime | None = Field(description="When it was decided; null until then.")
    due_at: datetime | None = Field(description="When the current step is due (null: no due).")
    overdue: bool = Field(description="The current step is past its due time.")
    escalation_level: Level = Field(
        description="0 unit, 1 department, 2 committee, 3 admin: who the step is with now."
    )
    escalated: bool = Field(description="The current step was escalated for being overdue.")
    appealed: bool = Field(description="The case's one appeal or reopening has been used.")
    committee_id: str | None = Field(
        description="The committee whose agenda the idea goes on; null if none."
    )
    allowed_actions: list[Action] = Field(
        description="What may be done to the case now (the caller's roles aside)."
    )

    @classmethod
    def fields_of(cls, record: CaseRecord, now: datetime) -> dict[str, Any]:
        case = record.case
        status = record.status
        due = case.due_at if case.due_at else None
        return {
            "id": case.case_id,
            "idea_id": case.idea_id,
            "round": case.round,
            "title": case.title,
            "scope": Scope(case.scope),
            "unit_id": case.unit_id,
            "language": case.language,
            "status": status.state,
            "decision": Decision(case.decision) if case.decision else None,
            "routed": case.routed,
            "reviewer_ids": list(record.reviewer_ids),
            "anonymous": case.anonymous,
            "author_ref": case.author_ref,
            "opened_at": case.opened_at,
            "screening_due_at": case.screening_due_at,
            "decided_at": case.decided_at if case.decided_at else None,
            "due_at": due,
            "overdue": is_overdue(due, now),
            "escalation_level": Level(case.escalation_level),
            "escalated": case.escalation_level > starting_level(Scope(case.scope)),
            "appealed": case.appealed,
            "committee_id": case.committee_id,
            "allowed_actions": list(allowed_actions(status)),
        }

    @classmethod
    def of(cls, record: CaseRecord, now: datetime) -> Self:
        return cls(**cls.fields_of(record, now))


class CasePublic(CaseSummaryPublic):
    """A case with the idea as submitted, the decision's details and the history."""

    problem: str = Field(description="The idea's problem, as submitted.")
    solution: str = Field(description="The idea's solution, as submitted.")
    benefit: str = Field(description="The benefit the authors expect; may be blank.")
    content_revision: int = Field(description="The idea's revision; counts up when edited.")
    author_ids: list[str] | None = Field(
        description="The authors' person ids; null when the idea is anonymous."
    )
    decided_by: str | None = Field(description="Who decided; null until decided.")
    rationale: str | None = Field(description="Why it was decided so; null until decided.")
    duplicate_of: str | None = Field(description="The surviving idea of a duplicate decision.")
    forwarded_to_unit_id: str | None = Field(description="The unit a forwarded idea went to.")
    previous_case_id: str | None = Field(description="The case this idea was forwarded from.")
    info_question: str | None = Field(description="The latest needs_info question.")
    outcome: ExperimentOutcome | None = Field(description="The pilot's outcome while piloted.")
    history: list[HistoryEntryPublic] = Field(description="Every step so far, oldest first.")

    @classmethod
    def of(cls, record: CaseRecord, now: datetime) -> Self:
        case = record.case
        return cls(
            **CaseSummaryPublic.fields_of(record, now),
            problem=case.problem,
            solution=case.solution,
            benefit=case.benefit,
            content_revision=case.content_revision,
            # Anonymity is promised to the authors: their ids never leave the service here.
            author_ids=None if case.anonymous else list(case.author_ids),
            decided_by=case.decided_by,
            rationale=case.rationale,
            duplicate_of=case.duplicate_of,
            forwarded_to_unit_id=case.forwarded_to_unit_id,
            previous_case_id=case.previous_case_id,
            info_question=case.info_question,
            outcome=ExperimentOutcome(case.outcome) if case.outcome else None,
            history=[HistoryEntryPublic.of(row) for row in record.history],
        )


class AuthorStepPublic(BaseModel):
    """One step of an idea's review as its authors see it."""

    occurred_at: datetime = Field(description="When the step was taken.")
    action: str = Field(description="What was done: opened, decide, appeal, and so on.")
    status: str = Field(description="The case's status after the step.")
    decision: Decision | None = Field(description="The decision made, if the step made one.")
    reason: str | None = Field(description="The rationale, question or answer of this step.")


class AuthorPublic(BaseModel):
    """An idea's review for its authors: where it stands, why, and what they can do."""

    idea_id: str = Field(description="The idea.")
    case_id: str = Field(description="The idea's current case (its latest round).")
    status: CaseState = Field(description=_STATUS + ".")
    decision: Decision | None = Field(description=f"The decision once decided: {_DECISION}.")
    rationale: str | None = Field(description="Why the idea was decided as it was.")
    question: str | None = Field(description="What the reviewers asked (needs_info).")
    can_answer: bool = Field(description="The authors may answer the question now.")
    can_appeal: bool = Field(description="The authors may appeal the decision now.")
    appealed: bool = Field(description="The case's one appeal or reopening has been used.")
    steps: list[AuthorStepPublic] = Field(
        description="The steps of every round, oldest first (reviewers' internal ones left out)."
    )


AUTHOR_ACTIONS = frozenset(
    {
        "opened",
        "accept_for_review",
        "decide",
        "resume_screening",
        "appeal",
        "start_experiment",
        "complete_experiment",
        "start_implementation",
        "complete_implementation",
        "publish_practice",
        "withdraw",
    }
)


def author_view(records: list[CaseRecord]) -> AuthorPublic:
    """The authors' view over every round of the idea (forwarding keeps the earlier ones).
    Reviewers' names and internal notes (conflicts, escalations, routing) are left out."""
    current = records[-1]
    case = current.case
    status = current.status
    steps = [
        AuthorStepPublic(
            occurred_at=row.occurred_at,
            action=row.action,
            status=row.to_state,
            decision=Decision(row.decision) if row.decision else None,
            reason=row.reason,
        )
        for record in records
        for row in record.history
        if row.action in AUTHOR_ACTIONS
    ]
    return AuthorPublic(
        idea_id=case.idea_id,
        case_id=case.case_id,
        status=status.state,
        decision=status.decision,
        rationale=case.rationale if status.decision else None,
        question=case.info_question if status.decision is Decision.NEEDS_INFO else None,
        can_answer=Action.RESUME_SCREENING in allowed_actions(status),
        can_appeal=Action.APPEAL in allowed_actions(status),
        appealed=case.appealed,
        steps=steps,
    )
