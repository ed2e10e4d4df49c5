"""Ideas as the API shows them (to their authors and reviewers, to colleagues, in lists), their
versions and drafts; the filters of the lists."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ideapaja_contracts.base import ID_PATTERN
from ideapaja_contracts.events.idea import Channel, Scope
from ideapaja_intake.db.ideas import IdeaRecord
from ideapaja_intake.db.models import Idea, IdeaDraft, IdeaStatusChange, IdeaVersion
from ideapaja_intake.domain.status import IdeaStatus
from ideapaja_intake.domain.submission import BenefitKind
from ideapaja_intake.domain.visibility import visible_author_ids

# Person ids in every view may be a former employee's token (GDPR erasure, usecases/erasure.py).
FORMER = " An id starting with 'former-' is a former employee whose personal data was erased."

# The fields several views share, described once.
IdeaId = Annotated[str, Field(description="The idea's id")]
Status = Annotated[
    str,
    Field(
        description="Where the idea is: submitted, screening, in_review, needs_info, accepted, "
        "rejected, duplicate, forwarded, reopened, experiment, experiment_completed, implemented, "
        "good_practice or withdrawn"
    ),
]
Title = Annotated[str, Field(description="Short headline")]
Problem = Annotated[str, Field(description="What is wrong today")]
Solution = Annotated[str, Field(description="What to do instead")]
Benefit = Annotated[str, Field(description="Expected benefit; empty if not given")]
BenefitKindList = Annotated[list[BenefitKind], Field(description="What the idea improves")]
CategoryRef = Annotated[
    str | None, Field(description="Category id (GET /categories); null if none was chosen")
]
ScopeField = Annotated[
    Scope, Field(description="Who decides: the unit, the department or the city")
]
UnitRef = Annotated[str, Field(description="The unit or department the idea concerns (GET /units)")]
TeamUnitRef = Annotated[
    str | None,
    Field(description="The work community (unit) submitting as a team; null for persons"),
]
LanguageField = Annotated[str, Field(description="Language of the text: fi, sv or en")]
Anonymous = Annotated[
    bool, Field(description="The authors are hidden from reviewers and colleagues")
]
External = Annotated[
    bool, Field(description="Came from outside the city's staff (the citizen channel)")
]
Revision = Annotated[int, Field(description="The current version of the text, from 1")]
SubmittedAt = Annotated[
    datetime | None, Field(description="When it was submitted (null only for a draft)")
]
StatusChangedAt = Annotated[datetime, Field(description="When the status last changed")]
AuthorRef = Annotated[str, Field(description="Stable pseudonym of the authors on this idea")]
Rewarded = Annotated[bool, Field(description="A reward has been granted for it")]
SupportCount = Annotated[int, Field(description="How many colleagues support it")]
CommentCount = Annotated[int, Field(description="How many comments it has, hidden ones included")]
Rationale = Annotated[str | None, Field(description="Why the reviewer decided so, if they said")]
Note = Annotated[str | None, Field(description="The question, reason or result")]
DuplicateOf = Annotated[str | None, Field(description="When merged: the idea this one duplicates")]
ForwardedTo = Annotated[str | None, Field(description="When forwarded: the unit it was sent to")]
ChangeKind = Annotated[
    str | None,
    Field(
        description="What happened: submitted, screening_started, info_requested, decided, "
        "merged, forwarded, review_started, info_provided, reopened, experiment_started, "
        "experiment_completed, implemented, practice_published, withdrawn; null on entries "
        "recorded before kinds were kept"
    ),
]
At = Annotated[datetime, Field(description="When it happened")]


class StatusChangePublic(BaseModel):
    """One step of an idea's status history."""

    status: str = Field(description="The status it led to: submitted, screening, … or the decision")
    kind: ChangeKind = None
    at: At
    decided_by: str | None = Field(
        default=None,
        description="Person id of the reviewer who acted; an author's action on an anonymous "
        "idea is shown by the idea's pseudonym",
    )
    rationale: Rationale = None
    note: Note = None
    case_id: str | None = Field(default=None, description="Review case the change belongs to")
    duplicate_of: DuplicateOf = None
    forwarded_to_unit_id: ForwardedTo = None

    @classmethod
    def of(cls, row: IdeaStatusChange) -> StatusChangePublic:
        return cls(**_step(row), decided_by=row.actor_id, case_id=row.case_id)


class TimelineEntry(BaseModel):
    """One step of an idea's public timeline: who did what, when and why."""

    kind: ChangeKind
    status: str = Field(description="The status it led to")
    at: At
    by: str | None = Field(description="Reviewer's person id, or the authors' pseudonym")
    rationale: Rationale = None
    note: Note = None
    duplicate_of: DuplicateOf = None
    forwarded_to_unit_id: ForwardedTo = None

    @classmethod
    def of(cls, row: IdeaStatusChange) -> TimelineEntry:
        return cls(**_step(row), by=row.actor_id)


def _step(row: IdeaStatusChange) -> dict[str, Any]:
    """What the full history and the public timeline both show of a step."""
    return {
        "status": row.status,
        "kind": row.kind,
        "at": row.occurred_at,
        "rationale": row.rationale,
        "note": row.note,
        "duplicate_of": row.duplicate_of,
        "forwarded_to_unit_id": row.forwarded_to_unit_id,
    }


class AttachmentPublic(BaseModel):
    """A file attached to an idea (GET /ideas/{idea_id}/attachments/{attachment_id} reads it)."""

    model_config = ConfigDict(from_attributes=True)

    id: str = Field(description="The attachment's id")
    filename: str = Field(description="The file's name as uploaded")
    content_type: str = Field(description="Its media type, e.g. application/pdf")
    size: int = Field(description="Its size in bytes")
    uploaded_at: datetime = Field(description="When it was attached")
    scan_status: str = Field(description="not_scanned (no scanner configured) or clean")


class IdeaPublic(BaseModel):
    """An idea as its authors and reviewers see it."""

    id: IdeaId
    status: Status
    status_changed_at: StatusChangedAt
    title: Title
    problem: Problem
    solution: Solution
    benefit: Benefit
    benefit_kinds: BenefitKindList = Field(default_factory=list)
    category: CategoryRef = None
    scope: ScopeField
    unit_id: UnitRef
    team_unit_id: TeamUnitRef = None
    language: LanguageField
    anonymous: Anonymous
    channel: Channel = Field(
        description="How it was submitted: api, intranet_form (the intranet or embeddable form) or "
        "citizen"
    )
    external: External = False
    revision: Revision
    submitted_at: SubmittedAt
    last_edited_at: datetime | None = Field(
        default=None, description="When an author last saved a new version; null if never"
    )
    author_ref: AuthorRef
    author_ids: list[str] | None = Field(
        description="Person ids of the confirmed authors; null when the idea is anonymous and "
        "the caller is not one of them." + FORMER
    )
    invited_ids: list[str] | None = Field(
        default=None,
        description="Co-authors invited who have not confirmed yet (shown to the authors only)",
    )
    rewarded: Rewarded
    support_count: SupportCount = 0
    comment_count: CommentCount = 0
    attachments: list[AttachmentPublic] = Field(
        default_factory=list, description="Its files, oldest first"
    )
    history: list[StatusChangePublic] = Field(description="Every status change, oldest first")

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
            attachments=[AttachmentPublic.model_validate(a) for a in record.attachments],
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

    id: IdeaId
    status: Status
    title: Title
    problem: Problem
    solution: Solution
    benefit: Benefit
    benefit_kinds: BenefitKindList
    category: CategoryRef
    scope: ScopeField
    unit_id: UnitRef
    team_unit_id: TeamUnitRef
    language: LanguageField
    anonymous: Anonymous
    external: External
    submitted_at: SubmittedAt
    author_ref: AuthorRef
    author_ids: list[str] | None = Field(
        description="Person ids of the confirmed authors; null when the idea is anonymous (unless "
        "the caller is one of them)." + FORMER
    )
    support_count: SupportCount
    supported_by_me: bool = Field(description="Whether the caller supports it")
    comment_count: CommentCount
    revision: Revision
    rewarded: Rewarded
    attachments: list[AttachmentPublic] = Field(description="Its files, oldest first")
    timeline: list[TimelineEntry] = Field(description="Its public timeline, oldest first")

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
            attachments=[AttachmentPublic.model_validate(a) for a in record.attachments],
            timeline=[TimelineEntry.of(row) for row in record.history],
        )


class IdeaSummary(BaseModel):
    """An idea in a list: enough to show a row and open it."""

    model_config = ConfigDict(from_attributes=True)

    id: IdeaId
    title: Title
    status: Status
    status_changed_at: StatusChangedAt
    scope: ScopeField
    unit_id: UnitRef
    category: CategoryRef = None
    language: LanguageField
    anonymous: Anonymous
    external: External = False
    author_ref: AuthorRef
    submitted_at: SubmittedAt
    support_count: SupportCount = 0
    comment_count: CommentCount = 0


class SimilarIdeaPublic(BaseModel):
    """An existing public idea resembling the text being typed."""

    id: IdeaId
    title: Title
    status: Status
    unit_id: UnitRef
    language: LanguageField
    support_count: SupportCount
    score: float = Field(ge=0, le=1, description="Similarity from 0 to 1")

    @classmethod
    def of(cls, idea: Idea, score: float) -> SimilarIdeaPublic:
        return cls(
            id=idea.id,
            title=idea.title,
            status=idea.status,
            unit_id=idea.unit_id,
            language=idea.language,
            support_count=idea.support_count,
            score=score,
        )


class DraftPublic(BaseModel):
    """A draft as its author sees it."""

    id: str = Field(description="The draft's id; the idea keeps it when the draft is submitted")
    status: Literal["draft"] = Field(default="draft", description="Always draft")
    created_at: datetime = Field(description="When it was first saved")
    updated_at: datetime = Field(description="When it was last saved")
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
    """One version of an idea's text, as an author saved it."""

    revision: int = Field(description="Which version: 1 is the submission, each edit adds one")
    title: Title
    problem: Problem
    solution: Solution
    benefit: Benefit
    category: CategoryRef
    benefit_kinds: list[str] = Field(description="What the idea improves")
    edited_by: str = Field(
        description="Author's person id, or the pseudonym if anonymous." + FORMER
    )
    reason: str = Field(description="submitted, edited or co_author_confirmed")
    at: datetime = Field(description="When this version was saved")

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
    language: Literal["fi", "sv", "en"] | None = None
    q: str | None = Field(default=None, min_length=1, max_length=200)


class WithdrawalCreate(BaseModel):
    """Why the authors withdraw their idea."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    reason: str = Field(
        default="", max_length=200, description="Shown in the idea's timeline; may be empty"
    )
