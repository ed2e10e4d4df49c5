"""What intake holds on a person, as its GDPR access report shows it."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

IdeaRef = Annotated[str, Field(description="The idea's id")]
Title = Annotated[str, Field(description="The idea's title")]


class _Row(BaseModel):
    """An item read straight from the row of the same shape (``model_validate(row)``)."""

    model_config = ConfigDict(from_attributes=True)


class HrRecord(_Row):
    """The person as HR last described them to intake."""

    unit_id: str = Field(description="Their unit; blank once HR says they left")
    display_name: str = Field(description="Their name as HR gave it; blank once HR says they left")
    active: bool = Field(description="Still in service")
    hr_event_time: datetime = Field(description="The HR event time this reflects")


class IdeaAuthored(BaseModel):
    """An idea they wrote or were invited to co-author, with its text."""

    idea_id: IdeaRef
    role: str = Field(description="submitter or co_author")
    confirmed: bool = Field(description="False while a co-author invitation is not accepted")
    invited_by: str | None = Field(description="Who invited them as a co-author; null if not")
    anonymous: bool = Field(description="Whether the idea hides its authors")
    author_ref: str = Field(description="The pseudonym the idea shows for its authors")
    title: Title
    problem: str = Field(description="The idea's problem text")
    solution: str = Field(description="The idea's solution text")
    benefit: str = Field(description="The idea's expected benefit")
    status: str = Field(description="The idea's status now")
    channel: str = Field(description="How it was submitted: api, intranet_form or citizen")
    unit_id: str = Field(description="The unit or department the idea concerns")
    submitted_at: datetime | None = Field(description="When it was submitted")


class InvitationSent(BaseModel):
    """A colleague they invited to co-author an idea."""

    idea_id: IdeaRef
    invited_person_id: str = Field(description="The person invited")
    confirmed: bool = Field(description="Whether the invitation was accepted")


class DraftData(_Row):
    """A draft of theirs."""

    id: str = Field(description="The draft's id")
    content: dict[str, Any] = Field(description="The draft's fields as last saved")
    created_at: datetime = Field(description="When it was first saved")
    updated_at: datetime = Field(description="When it was last saved")


class VersionEdited(_Row):
    """A version of an idea's text they saved."""

    idea_id: IdeaRef
    revision: int = Field(description="The version's number (1 is the submission)")
    reason: str = Field(description="submitted, edited or co_author_confirmed")
    title: str = Field(description="The title in that version")
    created_at: datetime = Field(description="When they saved it")


class SupportGiven(_Row):
    """An idea they support."""

    idea_id: IdeaRef
    supported_at: datetime = Field(description="When they gave the support")
    moved_from: str | None = Field(description="The idea first supported, if moved by a merge")


class CommentWritten(BaseModel):
    """A comment they wrote."""

    id: str = Field(description="The comment's id")
    idea_id: IdeaRef
    shown_as: str = Field(description="Their id, or the idea's pseudonym on an anonymous idea")
    body: str = Field(description="The comment's text (also when hidden)")
    created_at: datetime = Field(description="When they wrote it")
    hidden: bool = Field(description="Whether a moderator hid it")
    hidden_reason: str | None = Field(description="Why it was hidden; null if not hidden")


class CommentHidden(BaseModel):
    """A comment they hid as a moderator."""

    comment_id: str = Field(description="The comment hidden")
    idea_id: IdeaRef
    hidden_at: datetime | None = Field(description="When they hid it")
    hidden_reason: str | None = Field(description="The reason they gave")


class AttachmentUploaded(_Row):
    """Metadata only: the file itself is downloaded from the idea."""

    id: str = Field(description="The attachment's id")
    idea_id: IdeaRef
    filename: str = Field(description="The file's name as uploaded")
    content_type: str = Field(description="Its media type")
    size: int = Field(description="Its size in bytes")
    sha256: str = Field(description="SHA-256 digest of its content (hex)")
    uploaded_at: datetime = Field(description="When they attached it")
    scan_status: str = Field(description="not_scanned (no scanner configured) or clean")


class TimelineAction(_Row):
    """A step in an idea's timeline with them as the actor."""

    idea_id: IdeaRef
    kind: str | None = Field(description="What happened (decided, info_requested, …)")
    status: str = Field(description="The status it led to")
    occurred_at: datetime = Field(description="When it happened")
    rationale: str | None = Field(description="The rationale they gave, if any")
    note: str | None = Field(description="The question, reason or result, if any")


class RewardRecorded(_Row):
    """A reward granted for an idea of theirs, as intake recorded it."""

    grant_id: str = Field(description="The reward service's grant")
    idea_id: IdeaRef
    kind: str = Field(description="points, money, gift or recognition")
    granted_at: datetime = Field(description="When it was granted")


class IdempotencyKeyData(BaseModel):
    """A remembered request (the answer itself is not repeated here)."""

    key: str = Field(description="The Idempotency-Key they sent (or the form token's key)")
    status_code: int = Field(description="The HTTP status the request was answered with")
    location: str | None = Field(description="The Location it answered, if any")
    created_at: datetime = Field(description="When the request was made")
    form_token_id: str | None = Field(
        description="The form token this request used (form tokens are signed and not stored; "
        "a used one is remembered only as this key)"
    )


class RateLimitWindow(BaseModel):
    """How many ideas they submitted in one rate-limit window."""

    window_start: datetime = Field(description="When the window began")
    submissions: int = Field(description="Ideas submitted in it")


class ErasureData(_Row):
    """The erasure of their data here."""

    erasure_id: str = Field(description="The privacy service's erasure")
    erased_at: datetime = Field(description="When intake erased their data")


class PersonData(BaseModel):
    """Everything intake holds on one person."""

    id: str = Field(description="The person's id")
    citizen_id: str | None = Field(
        description="The id their ideas as a citizen are under, when there are any (derived "
        "from the identity provider's subject; no mapping is stored)"
    )
    hr: HrRecord | None = Field(description="Unit and status from HR (no names are kept here)")
    ideas: list[IdeaAuthored] = Field(
        description="Ideas they wrote or were invited to co-author; anonymous ones only in the "
        "person's own report (see anonymous_items_withheld)"
    )
    invitations_sent: list[InvitationSent] = Field(description="Co-author invitations they sent")
    drafts: list[DraftData] = Field(description="Their drafts")
    versions_edited: list[VersionEdited] = Field(description="Versions of ideas they saved")
    supports: list[SupportGiven] = Field(description="Ideas they support")
    comments: list[CommentWritten] = Field(description="Comments they wrote")
    comments_hidden: list[CommentHidden] = Field(description="Comments they hid as a moderator")
    attachments: list[AttachmentUploaded] = Field(description="Files they attached")
    timeline_actions: list[TimelineAction] = Field(
        description="Steps in ideas' timelines with them as the actor (as a reviewer)"
    )
    rewards: list[RewardRecorded] = Field(description="Rewards for their ideas")
    idempotency_keys: list[IdempotencyKeyData] = Field(
        description="Requests of theirs remembered so a retry gets the first answer"
    )
    rate_limit_windows: list[RateLimitWindow] = Field(
        description="Their submission counts for the per-person limit"
    )
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
