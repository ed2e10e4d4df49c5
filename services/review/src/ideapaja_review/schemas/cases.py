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
from ideapaja_review.usecases.case_records import CaseRecord

IdParam = Annotated[str, StringConstraints(pattern=ID_PATTERN)]
MAX_RATIONALE = 5000
Text = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_RATIONALE)
]
OptionalText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=MAX_RATIONALE)]


class DecisionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision: Decision
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


class NoteRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: OptionalText = Field(default="", description="Optional; kept in the case history.")


class ReasonRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Text = Field(description="Why; kept in the case history and sent with the event.")


class AnswerRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    answer: Text = Field(description="The authors' answer to the reviewers' question.")


class HistoryEntry(BaseModel):
    occurred_at: datetime
    actor_id: str | None = Field(
        description="Who acted: a person id, an anonymous idea's author pseudonym, or null when "
        "the service did (routing, escalation)."
    )
    action: str
    from_state: str | None
    to_state: str
    decision: Decision | None
    reason: str | None
    details: dict[str, Any] | None

    @classmethod
    def of(cls, row: CaseHistoryRow) -> HistoryEntry:
        return cls(
            occurred_at=row.occurred_at,
            actor_id=row.actor_id,
            action=row.action,
            from_state=row.from_state,
            to_state=row.to_state,
            decision=Decision(row.decision) if row.decision else None,
            reason=row.reason,
            details=row.details,
        )


class CaseSummary(BaseModel):
    case_id: str
    idea_id: str
    round: int = Field(description="1, or more for an idea forwarded from another unit.")
    title: str
    scope: Scope
    unit_id: str
    state: CaseState
    decision: Decision | None
    routed: bool = Field(description="False while no reviewer could be found for the idea.")
    reviewer_ids: list[str]
    anonymous: bool
    author_ref: str = Field(description="Stable pseudonym of the authors; always safe to show.")
    opened_at: datetime
    screening_due_at: datetime
    decided_at: datetime | None
    due_at: datetime | None = Field(description="When the current step is due (null: no due).")
    overdue: bool
    escalation_level: Level = Field(
        description="0 unit, 1 department, 2 committee, 3 admin: who the step is with now."
    )
    escalated: bool = Field(description="The current step was escalated for being overdue.")
    appealed: bool = Field(description="The case's one appeal or reopening has been used.")
    committee_id: str | None
    allowed_actions: list[Action]

    @classmethod
    def fields_of(cls, record: CaseRecord, now: datetime) -> dict[str, Any]:
        case = record.case
        status = record.status
        due = case.due_at if case.due_at else None
        return {
            "case_id": case.case_id,
            "idea_id": case.idea_id,
            "round": case.round,
            "title": case.title,
            "scope": Scope(case.scope),
            "unit_id": case.unit_id,
            "state": status.state,
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
    def of(cls, record: CaseRecord, now: datetime) -> CaseSummary:
        return cls(**cls.fields_of(record, now))


class CaseDetail(CaseSummary):
    problem: str
    solution: str
    benefit: str
    language: str
    content_revision: int
    author_ids: list[str] | None = Field(
        description="The authors' person ids; null when the idea is anonymous."
    )
    decided_by: str | None
    rationale: str | None
    duplicate_of: str | None
    forwarded_to_unit_id: str | None
    previous_case_id: str | None = Field(description="The case this idea was forwarded from.")
    info_question: str | None = Field(description="The latest needs_info question.")
    outcome: ExperimentOutcome | None = Field(description="The pilot's outcome while piloted.")
    history: list[HistoryEntry]

    @classmethod
    def of(cls, record: CaseRecord, now: datetime) -> CaseDetail:
        case = record.case
        return cls(
            **CaseSummary.fields_of(record, now),
            problem=case.problem,
            solution=case.solution,
            benefit=case.benefit,
            language=case.language,
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
            history=[HistoryEntry.of(row) for row in record.history],
        )


class CasePage(BaseModel):
    items: list[CaseSummary]
    total: int
    limit: int
    offset: int


class AuthorStep(BaseModel):
    """One step of an idea's review as its authors see it."""

    occurred_at: datetime
    action: str
    state: str
    decision: Decision | None
    reason: str | None = Field(description="The rationale, question or answer of this step.")


class AuthorPublic(BaseModel):
    """An idea's review for its authors: where it stands, why, and what they can do."""

    idea_id: str
    case_id: str
    state: CaseState
    decision: Decision | None
    rationale: str | None = Field(description="Why the idea was decided as it was.")
    question: str | None = Field(description="What the reviewers asked (needs_info).")
    can_answer: bool
    can_appeal: bool
    appealed: bool
    steps: list[AuthorStep]


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
        AuthorStep(
            occurred_at=row.occurred_at,
            action=row.action,
            state=row.to_state,
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
        state=status.state,
        decision=status.decision,
        rationale=case.rationale if status.decision else None,
        question=case.info_question if status.decision is Decision.NEEDS_INFO else None,
        can_answer=Action.RESUME_SCREENING in allowed_actions(status),
        can_appeal=Action.APPEAL in allowed_actions(status),
        appealed=case.appealed,
        steps=steps,
    )
