"""Ideas as the API shows them (to their authors and reviewers, to colleagues, in lists), their
versions and drafts; the filters of the lists."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ideapaja_contracts.base import ID_PATTERN
from ideapaja_contracts.events.idea import Channel, Scope
from ideapaja_intake.db.ideas import IdeaRecord
from ideapaja_intake.db.models import Idea, IdeaAttachment, IdeaDraft, IdeaStatusChange, IdeaVersion
from ideapaja_intake.db.search import IdeaList
from ideapaja_intake.domain.status import IdeaStatus
from ideapaja_intake.domain.submission import BenefitKind
from ideapaja_intake.domain.visibility import visible_author_ids

# Person ids in every view may be a former employee's token (GDPR erasure, usecases/erasure.py).
FORMER = " An id starting with 'former-' is a former employee whose personal data was erased."


class StatusChangePublic(BaseModel):
    status: str = Field(description="submitted, screening, … or the decision")
    kind: str | None = Field(
        default=None,
        description="What happened: submitted, screening_started, info_requested, decided, "
        "merged, forwarded, review_started, info_provided, reopened, experiment_started, "
        "experiment_completed, implemented, practice_published, withdrawn",
    )
    at: datetime
    decided_by: str | None = Field(
        default=None,
        description="Person id of the reviewer who acted; an author's action on an anonymous "
        "idea is shown by the idea's pseudonym",
    )
    rationale: str | None = None
    note: str | None = Field(default=None, description="The question, reason or result")
    case_id: str | None = Field(default=None, description="Review case the change belongs to")
    duplicate_of: str | None = None
    forwarded_to_unit_id: str | None = None

    @classmethod
    def of(cls, row: IdeaStatusChange) -> StatusChangePublic:
        return cls(
            status=row.status,
            kind=row.kind,
            at=row.occurred_at,
            decided_by=row.actor_id,
            rationale=row.rationale,
            note=row.note,
            case_id=row.case_id,
            duplicate_of=row.duplicate_of,
            forwarded_to_unit_id=row.forwarded_to_unit_id,
        )


class TimelineEntry(BaseModel):
    """One step of an idea's public timeline: who did what, when and why."""

    kind: str | None
    status: str
    at: datetime
    by: str | None = Field(description="Reviewer's person id, or the authors' pseudonym")
    rationale: str | None = None
    note: str | None = None
    duplicate_of: str | None = None
    forwarded_to_unit_id: str | None = None

    @classmethod
    def of(cls, row: IdeaStatusChange) -> TimelineEntry:
        return cls(
            kind=row.kind,
            status=row.status,
            at=row.occurred_at,
            by=row.actor_id,
            rationale=row.rationale,
            note=row.note,
            duplicate_of=row.duplicate_of,
            forwarded_to_unit_id=row.forwarded_to_unit_id,
        )


class AttachmentPublic(BaseModel):
    id: str
    filename: str
    content_type: str
    size: int
    uploaded_at: datetime
    scan_status: str = Field(description="not_scanned (no scanner configured) or clean")

    @classmethod
    def of(cls, row: IdeaAttachment) -> AttachmentPublic:
        return cls(
            id=row.id,
            filename=row.filename,
            content_type=row.content_type,
            size=row.size,
            uploaded_at=row.uploaded_at,
            scan_status=row.scan_status,
        )


class IdeaPublic(BaseModel):
    """An idea as its authors and reviewers see it."""

    id: str
    status: str
    status_changed_at: datetime
    title: str
    problem: str
    solution: str
    benefit: str
    benefit_kinds: list[BenefitKind] = Field(default_factory=list)
    category: str | None = None
    scope: Scope
    unit_id: str
    team_unit_id: str | None = None
    language: str
    anonymous: bool
    channel: Channel
    external: bool = False
    revision: int
    submitted_at: datetime | None
    last_edited_at: datetime | None = None
    author_ref: str = Field(description="Stable pseudonym of the authors on this idea")
    author_ids: list[str] | None = Field(
        description="Person ids of the confirmed authors; null when the idea is anonymous and "
        "the caller is not one of them." + FORMER
    )
    invited_ids: list[str] | None = Field(
        default=None,
        description="Co-authors invited who have not confirmed yet (shown to the authors only)",
    )
    rewarded: bool
    support_count: int = 0
    comment_count: int = 0
    attachments: list[AttachmentPublic] = Field(default_factory=list)
    history: list[StatusChangePublic]

    @classmethod
    def of(cls, record: IdeaRecord, viewer_id: str) -> IdeaPublic:
        idea = record.idea
        involved = viewer_id in record.author_ids or viewer_id in record.invited_ids
        # Invited co-authors see who invited them; others see anonymous authors by pseudonym.
        author_ids = (
            list(record.author_ids)
            if viewer_id in record.invited_ids
            else visible_author_ids(
                viewer_id, anonymous=idea.anonymous, author_ids=record.author_ids
            )
        )
        return cls(
            **_content(idea),
            status_changed_at=idea.status_changed_at,
            channel=Channel(idea.channel),
            revision=idea.revision,
            last_edited_at=idea.last_edited_at,
            author_ids=author_ids,
            invited_ids=list(record.invited_ids) if involved else None,
            rewarded=idea.rewarded,
            attachments=[AttachmentPublic.of(a) for a in record.attachments],
            history=[StatusChangePublic.of(row) for row in record.history],
        )


def _content(idea: Idea) -> dict[str, Any]:
    return {
        "id": idea.id,
        "status": idea.status,
        "title": idea.title,
        "problem": idea.problem,
        "solution": idea.solution,
        "benefit": idea.benefit,
        "benefit_kinds": [BenefitKind(k) for k in idea.benefit_kinds or []],
        "category": idea.category,
        "scope": Scope(idea.scope),
        "unit_id": idea.unit_id,
        "team_unit_id": idea.team_unit_id,
        "language": idea.language,
        "anonymous": idea.anonymous,
        "external": idea.external,
        "submitted_at": idea.submitted_at,
        "author_ref": idea.author_ref,
        "support_count": idea.support_count,
        "comment_count": idea.comment_count,
    }


class ColleagueIdeaPublic(BaseModel):
    """An idea as every colleague sees it: the text, its status and public timeline, supports
    and comments; the authors only when the idea is not anonymous."""

    id: str
    status: str
    title: str
    problem: str
    solution: str
    benefit: str
    benefit_kinds: list[BenefitKind]
    category: str | None
    scope: Scope
    unit_id: str
    team_unit_id: str | None
    language: str
    anonymous: bool
    external: bool
    submitted_at: datetime | None
    author_ref: str
    author_ids: list[str] | None
    support_count: int
    supported_by_me: bool
    comment_count: int
    revision: int
    rewarded: bool
    attachments: list[AttachmentPublic]
    timeline: list[TimelineEntry]

    @classmethod
    def of(cls, record: IdeaRecord, viewer_id: str, *, supported: bool) -> ColleagueIdeaPublic:
        idea = record.idea
        return cls(
            **_content(idea),
            author_ids=visible_author_ids(
                viewer_id, anonymous=idea.anonymous, author_ids=record.author_ids
            ),
            supported_by_me=supported,
            revision=idea.revision,
            rewarded=idea.rewarded,
            attachments=[AttachmentPublic.of(a) for a in record.attachments],
            timeline=[TimelineEntry.of(row) for row in record.history],
        )


class IdeaSummary(BaseModel):
    id: str
    title: str
    status: str
    status_changed_at: datetime
    scope: Scope
    unit_id: str
    category: str | None = None
    anonymous: bool
    external: bool = False
    author_ref: str
    submitted_at: datetime | None
    support_count: int = 0
    comment_count: int = 0

    @classmethod
    def of(cls, idea: Idea) -> IdeaSummary:
        return cls(
            id=idea.id,
            title=idea.title,
            status=idea.status,
            status_changed_at=idea.status_changed_at,
            scope=Scope(idea.scope),
            unit_id=idea.unit_id,
            category=idea.category,
            anonymous=idea.anonymous,
            external=idea.external,
            author_ref=idea.author_ref,
            submitted_at=idea.submitted_at,
            support_count=idea.support_count,
            comment_count=idea.comment_count,
        )


class IdeaPage(BaseModel):
    items: list[IdeaSummary]
    total: int
    limit: int
    offset: int
    next_cursor: str | None = Field(
        default=None, description="Pass as ?cursor= for the next page; null on the last page"
    )

    @classmethod
    def of(cls, found: IdeaList, *, limit: int, offset: int) -> IdeaPage:
        return cls(
            items=[IdeaSummary.of(idea) for idea in found.ideas],
            total=found.total,
            limit=limit,
            offset=offset,
            next_cursor=found.next_cursor,
        )


class SimilarIdeaPublic(BaseModel):
    id: str
    title: str
    status: str
    unit_id: str
    support_count: int
    score: float = Field(ge=0, le=1, description="Similarity from 0 to 1")

    @classmethod
    def of(cls, idea: Idea, score: float) -> SimilarIdeaPublic:
        return cls(
            id=idea.id,
            title=idea.title,
            status=idea.status,
            unit_id=idea.unit_id,
            support_count=idea.support_count,
            score=score,
        )


class DraftPublic(BaseModel):
    id: str
    status: str = "draft"
    created_at: datetime
    updated_at: datetime
    content: dict[str, Any] = Field(description="The draft's fields as last saved")

    @classmethod
    def of(cls, draft: IdeaDraft) -> DraftPublic:
        return cls(
            id=draft.id,
            created_at=draft.created_at,
            updated_at=draft.updated_at,
            content=dict(draft.content),
        )


class VersionPublic(BaseModel):
    revision: int
    title: str
    problem: str
    solution: str
    benefit: str
    category: str | None
    benefit_kinds: list[str]
    edited_by: str = Field(
        description="Author's person id, or the pseudonym if anonymous." + FORMER
    )
    reason: str = Field(description="submitted, edited or co_author_confirmed")
    at: datetime

    @classmethod
    def of(cls, row: IdeaVersion, *, edited_by: str) -> VersionPublic:
        return cls(
            revision=row.revision,
            title=row.title,
            problem=row.problem,
            solution=row.solution,
            benefit=row.benefit,
            category=row.category,
            benefit_kinds=list(row.benefit_kinds),
            edited_by=edited_by,
            reason=row.reason,
            at=row.created_at,
        )


class ListParams(BaseModel):
    """Filters shared by the lists and the export."""

    model_config = ConfigDict(extra="forbid")

    status: list[IdeaStatus] = Field(default_factory=list, max_length=20)
    scope: Scope | None = None
    unit_id: str | None = Field(default=None, pattern=ID_PATTERN, max_length=64)
    category: str | None = Field(default=None, pattern=r"^[a-z0-9_-]{1,40}$")
    submitted_from: date | None = None
    submitted_to: date | None = None
    q: str | None = Field(default=None, min_length=1, max_length=200)


class WithdrawalCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    reason: str = Field(default="", max_length=200)
