"""Supports, comments and co-authors: what colleagues send and what they get back."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from ideapaja_contracts.base import ID_PATTERN
from ideapaja_intake.db.models import IdeaComment
from ideapaja_intake.schemas.ideas import FORMER


class CoAuthorPublic(BaseModel):
    """A co-author of an idea: invited, or confirmed (then an author)."""

    idea_id: str = Field(description="The idea")
    person_id: str = Field(description="The co-author's person id")
    confirmed: bool = Field(description="Whether they accepted the invitation")
    revision: int = Field(description="The idea's revision after this change")


class CommentPublic(BaseModel):
    """A comment on an idea."""

    id: str = Field(description="The comment's id")
    idea_id: str = Field(description="The idea it comments on")
    author: str = Field(
        description="Person id, or the idea's pseudonym for its anonymous authors." + FORMER
    )
    body: str | None = Field(description="Null when hidden, except for moderators and the writer")
    hidden: bool = Field(description="Whether a moderator hid it")
    hidden_reason: str | None = Field(default=None, description="Why it was hidden")
    created_at: datetime = Field(description="When it was written")

    @classmethod
    def of(cls, row: IdeaComment, *, show_hidden: bool) -> CommentPublic:
        hidden = row.hidden_at is not None
        return cls(
            id=row.id,
            idea_id=row.idea_id,
            author=row.shown_as,
            body=row.body if not hidden or show_hidden else None,
            hidden=hidden,
            hidden_reason=row.hidden_reason,
            created_at=row.created_at,
        )


class SupportPublic(BaseModel):
    """The caller's support of an idea, after the request."""

    idea_id: str = Field(description="The idea")
    supported: bool = Field(description="Whether the caller supports the idea now")
    support_count: int = Field(description="How many colleagues support it now")


class CommentCreate(BaseModel):
    """A new comment."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    body: str = Field(min_length=1, max_length=4000, description="The comment's text")


class CommentHide(BaseModel):
    """Why a moderator hides a comment."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    reason: str = Field(min_length=3, max_length=200, description="Shown with the hidden comment")


class CoAuthorCreate(BaseModel):
    """A colleague to invite as a co-author."""

    model_config = ConfigDict(extra="forbid")

    person_id: str = Field(
        pattern=ID_PATTERN, max_length=64, description="The colleague's person id (from HR)"
    )
