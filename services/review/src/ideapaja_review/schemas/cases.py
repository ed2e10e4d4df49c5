"""What the HTTP API accepts and returns. Authors stay hidden when an idea is anonymous."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from ideapaja_contracts.base import ID_PATTERN
from ideapaja_contracts.events.idea import Scope
from ideapaja_contracts.events.review import Decision
from ideapaja_review.cases import CaseRecord
from ideapaja_review.db.models import CaseHistoryRow
from ideapaja_review.domain.lifecycle import Action, CaseState, allowed_actions
from ideapaja_review.timeutil import as_utc

IdParam = Annotated[str, StringConstraints(pattern=ID_PATTERN)]
MAX_RATIONALE = 5000


class DecisionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision: Decision
    rationale: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_RATIONALE)
    ] = Field(description="Why; shown to the author and kept in the case history.")
    duplicate_of: IdParam | None = Field(
        default=None, description="The surviving idea; required for (and only for) duplicate."
    )
    forwarded_to_unit_id: IdParam | None = Field(
        default=None,
        description="A known unit receiving the idea; required for (and only for) forwarded.",
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
        return self


class HistoryEntry(BaseModel):
    occurred_at: datetime
    actor_id: str | None = Field(description="Who acted; null when the service did (routing).")
    action: str
    from_state: str | None
    to_state: str
    decision: Decision | None
    reason: str | None
    details: dict[str, Any] | None

    @classmethod
    def of(cls, row: CaseHistoryRow) -> HistoryEntry:
        return cls(
            occurred_at=as_utc(row.occurred_at),
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
    allowed_actions: list[Action]

    @classmethod
    def fields_of(cls, record: CaseRecord) -> dict[str, Any]:
        case = record.case
        return {
            "case_id": case.case_id,
            "idea_id": case.idea_id,
            "title": case.title,
            "scope": Scope(case.scope),
            "unit_id": case.unit_id,
            "state": CaseState(case.state),
            "decision": Decision(case.decision) if case.decision else None,
            "routed": case.routed,
            "reviewer_ids": list(record.reviewer_ids),
            "anonymous": case.anonymous,
            "author_ref": case.author_ref,
            "opened_at": as_utc(case.opened_at),
            "screening_due_at": as_utc(case.screening_due_at),
            "decided_at": as_utc(case.decided_at) if case.decided_at else None,
            "allowed_actions": list(allowed_actions(record.status)),
        }

    @classmethod
    def of(cls, record: CaseRecord) -> CaseSummary:
        return cls(**cls.fields_of(record))


class CaseDetail(CaseSummary):
    problem: str
    solution: str
    benefit: str
    language: str
    author_ids: list[str] | None = Field(
        description="The authors' person ids; null when the idea is anonymous."
    )
    decided_by: str | None
    rationale: str | None
    duplicate_of: str | None
    forwarded_to_unit_id: str | None
    history: list[HistoryEntry]

    @classmethod
    def of(cls, record: CaseRecord) -> CaseDetail:
        case = record.case
        return cls(
            **CaseSummary.fields_of(record),
            problem=case.problem,
            solution=case.solution,
            benefit=case.benefit,
            language=case.language,
            # Anonymity is promised to the authors: their ids never leave the service here.
            author_ids=None if case.anonymous else list(case.author_ids),
            decided_by=case.decided_by,
            rationale=case.rationale,
            duplicate_of=case.duplicate_of,
            forwarded_to_unit_id=case.forwarded_to_unit_id,
            history=[HistoryEntry.of(row) for row in record.history],
        )


class CasePage(BaseModel):
    items: list[CaseSummary]
    total: int
    limit: int
    offset: int
