"""Supports, comments and co-authors: what colleagues send and what they get back."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from ideapaja_contracts.base import ID_PATTERN
from ideapaja_intake.db.models import IdeaComment
from ideapaja_intake.schemas.ideas import FORMER


class CoAuthorPublic(BaseModel):
    idea_id: str
    person_id: str
    confirmed: bool
    revision: int = Field(description="The idea's revision after this change")


class CommentPublic(BaseModel):
    id: str
    idea_id: str
    author: str = Field(
        description="Person id, or the idea's pseudonym for its anonymous authors." + FORMER
    )
    body: str | None = Field(description="Null when hidden, except for moderators and the writer")
    hidden: bool
    hidden_reason: str | None = None
    created_at: datetime

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
    idea_id: str
    supported: bool = Field(description="Whether the caller supports the idea now")
    support_count: int


class CommentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    body: str = Field(min_length=1, max_length=4000)


class CommentHide(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    reason: str = Field(min_length=3, max_length=200, description="Shown with the hidden comment")


class CoAuthorCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    person_id: str = Field(pattern=ID_PATTERN, max_length=64)
