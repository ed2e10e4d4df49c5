"""What intake holds on a person, as its GDPR access report shows it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class HrRecord(BaseModel):
    unit_id: str = Field(description="Blank once HR says they left")
    active: bool
    hr_event_time: datetime


class IdeaAuthored(BaseModel):
    idea_id: str
    role: str = Field(description="submitter or co_author")
    confirmed: bool = Field(description="False while a co-author invitation is not accepted")
    invited_by: str | None
    anonymous: bool
    author_ref: str = Field(description="The pseudonym the idea shows for its authors")
    title: str
    problem: str
    solution: str
    benefit: str
    status: str
    channel: str
    unit_id: str
    submitted_at: datetime | None


class InvitationSent(BaseModel):
    idea_id: str
    invited_person_id: str
    confirmed: bool


class DraftData(BaseModel):
    draft_id: str
    content: dict[str, Any]
    created_at: datetime
    updated_at: datetime


class VersionEdited(BaseModel):
    idea_id: str
    revision: int
    reason: str
    title: str
    created_at: datetime


class SupportGiven(BaseModel):
    idea_id: str
    supported_at: datetime
    moved_from: str | None = Field(description="The idea first supported, if moved by a merge")


class CommentWritten(BaseModel):
    comment_id: str
    idea_id: str
    shown_as: str = Field(description="Their id, or the idea's pseudonym on an anonymous idea")
    body: str
    created_at: datetime
    hidden: bool
    hidden_reason: str | None


class CommentHidden(BaseModel):
    comment_id: str
    idea_id: str
    hidden_at: datetime | None
    hidden_reason: str | None


class AttachmentUploaded(BaseModel):
    """Metadata only: the file itself is downloaded from the idea."""

    attachment_id: str
    idea_id: str
    filename: str
    content_type: str
    size: int
    sha256: str
    uploaded_at: datetime
    scan_status: str


class TimelineAction(BaseModel):
    idea_id: str
    kind: str | None
    status: str
    occurred_at: datetime
    rationale: str | None
    note: str | None


class RewardRecorded(BaseModel):
    grant_id: str
    idea_id: str
    kind: str
    granted_at: datetime


class IdempotencyKeyData(BaseModel):
    """A remembered request (the answer itself is not repeated here)."""

    key: str
    status_code: int
    location: str | None
    created_at: datetime
    form_token_id: str | None = Field(
        description="The form token this request used (form tokens are signed and not stored; "
        "a used one is remembered only as this key)"
    )


class RateLimitWindow(BaseModel):
    window_start: datetime
    submissions: int


class ErasureData(BaseModel):
    erasure_id: str
    erased_at: datetime


class PersonData(BaseModel):
    """Everything intake holds on one person."""

    person_id: str
    citizen_id: str | None = Field(
        description="The id their ideas as a citizen are under, when there are any (derived "
        "from the identity provider's subject; no mapping is stored)"
    )
    hr: HrRecord | None = Field(description="Unit and status from HR (no names are kept here)")
    ideas: list[IdeaAuthored] = Field(
        description="Ideas they wrote or were invited to co-author; anonymous ones only in the "
        "person's own report (see anonymous_items_withheld)"
    )
    invitations_sent: list[InvitationSent]
    drafts: list[DraftData]
    versions_edited: list[VersionEdited]
    supports: list[SupportGiven]
    comments: list[CommentWritten]
    comments_hidden: list[CommentHidden] = Field(description="Comments they hid as a moderator")
    attachments: list[AttachmentUploaded]
    timeline_actions: list[TimelineAction] = Field(
        description="Steps in ideas' timelines with them as the actor (as a reviewer)"
    )
    rewards: list[RewardRecorded]
    idempotency_keys: list[IdempotencyKeyData]
    rate_limit_windows: list[RateLimitWindow]
    erasure: ErasureData | None = Field(
        description="Set once their data here was erased (pseudonymised data is not listed)"
    )
    anonymous_items_withheld: int = Field(
        default=0,
        description="How many items were left out because they would reveal who wrote an "
        "anonymous idea (its listing, their versions, attachments, comments shown under its "
        "pseudonym, invitations, rewards, timeline steps and remembered requests on it): "
        "always 0 in the person's own report, which shows everything",
    )
    withheld_note: str | None = Field(
        default=None, description="Why items were withheld, when any were"
    )
