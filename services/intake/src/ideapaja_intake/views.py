"""What the HTTP API shows: ideas as the caller may see them, units for forms."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from ideapaja_contracts.events.hr import UnitKind
from ideapaja_contracts.events.idea import Channel, Scope
from ideapaja_intake.db.models import Idea, IdeaStatusChange, Unit
from ideapaja_intake.domain.visibility import visible_author_ids
from ideapaja_intake.store import IdeaRecord


class StatusChangePublic(BaseModel):
    status: str = Field(description="submitted, screening, or the decision")
    at: datetime
    decided_by: str | None = Field(default=None, description="Person id of the deciding reviewer")
    rationale: str | None = None
    case_id: str | None = Field(default=None, description="Review case the change belongs to")
    duplicate_of: str | None = None
    forwarded_to_unit_id: str | None = None

    @classmethod
    def of(cls, row: IdeaStatusChange) -> StatusChangePublic:
        return cls(
            status=row.status,
            at=row.occurred_at,
            decided_by=row.actor_id,
            rationale=row.rationale,
            case_id=row.case_id,
            duplicate_of=row.duplicate_of,
            forwarded_to_unit_id=row.forwarded_to_unit_id,
        )


class IdeaPublic(BaseModel):
    id: str
    status: str
    status_changed_at: datetime
    title: str
    problem: str
    solution: str
    benefit: str
    scope: Scope
    unit_id: str
    language: str
    anonymous: bool
    channel: Channel
    revision: int
    submitted_at: datetime | None
    author_ref: str = Field(description="Stable pseudonym of the authors on this idea")
    author_ids: list[str] | None = Field(
        description="Person ids of the authors; null when the idea is anonymous and the caller "
        "is not one of them"
    )
    rewarded: bool
    history: list[StatusChangePublic]

    @classmethod
    def of(cls, record: IdeaRecord, viewer_id: str) -> IdeaPublic:
        idea = record.idea
        return cls(
            id=idea.id,
            status=idea.status,
            status_changed_at=idea.status_changed_at,
            title=idea.title,
            problem=idea.problem,
            solution=idea.solution,
            benefit=idea.benefit,
            scope=Scope(idea.scope),
            unit_id=idea.unit_id,
            language=idea.language,
            anonymous=idea.anonymous,
            channel=Channel(idea.channel),
            revision=idea.revision,
            submitted_at=idea.submitted_at,
            author_ref=idea.author_ref,
            author_ids=visible_author_ids(
                viewer_id, anonymous=idea.anonymous, author_ids=record.author_ids
            ),
            rewarded=idea.rewarded,
            history=[StatusChangePublic.of(row) for row in record.history],
        )


class IdeaSummary(BaseModel):
    id: str
    title: str
    status: str
    status_changed_at: datetime
    scope: Scope
    unit_id: str
    anonymous: bool
    author_ref: str
    submitted_at: datetime | None

    @classmethod
    def of(cls, idea: Idea) -> IdeaSummary:
        return cls(
            id=idea.id,
            title=idea.title,
            status=idea.status,
            status_changed_at=idea.status_changed_at,
            scope=Scope(idea.scope),
            unit_id=idea.unit_id,
            anonymous=idea.anonymous,
            author_ref=idea.author_ref,
            submitted_at=idea.submitted_at,
        )


class IdeaPage(BaseModel):
    items: list[IdeaSummary]
    total: int
    limit: int
    offset: int


class UnitPublic(BaseModel):
    id: str
    kind: UnitKind
    parent_id: str | None
    name_fi: str
    name_sv: str
    name_en: str

    @classmethod
    def of(cls, unit: Unit) -> UnitPublic:
        return cls(
            id=unit.id,
            kind=UnitKind(unit.kind),
            parent_id=unit.parent_id,
            name_fi=unit.name_fi,
            name_sv=unit.name_sv,
            name_en=unit.name_en,
        )
