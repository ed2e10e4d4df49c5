"""The channels besides the JSON API: form tokens, the intranet form's fields, and the citizen
channel's ideas."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from ideapaja_contracts.base import ID_PATTERN
from ideapaja_intake.db.ideas import IdeaRecord
from ideapaja_intake.db.models import Idea
from ideapaja_intake.domain.submission import TEXT_MAX, TITLE_MAX, TITLE_MIN, IdeaSubmission


class FormTokenPublic(BaseModel):
    form_token: str = Field(description="Put in the form's hidden field 'form_token'")
    expires_at: datetime
    form_url: str = Field(description="The embeddable form page for this token (path)")


class CitizenTimelineEntry(BaseModel):
    status: str
    at: datetime
    message: str | None = Field(default=None, description="The decision's rationale or question")


class CitizenIdeaPublic(BaseModel):
    """What a citizen sees of their own idea: no reviewer, case or internal reference."""

    id: str
    status: str
    title: str
    problem: str
    solution: str
    benefit: str
    submitted_at: datetime | None
    timeline: list[CitizenTimelineEntry]

    @classmethod
    def of(cls, record: IdeaRecord) -> CitizenIdeaPublic:
        idea = record.idea
        return cls(
            id=idea.id,
            status=idea.status,
            title=idea.title,
            problem=idea.problem,
            solution=idea.solution,
            benefit=idea.benefit,
            submitted_at=idea.submitted_at,
            timeline=[
                CitizenTimelineEntry(
                    status=row.status,
                    at=row.occurred_at,
                    message=row.rationale
                    if row.kind in (None, "decided")
                    else (row.note if row.kind == "info_requested" else None),
                )
                for row in record.history
            ],
        )


class CitizenIdeaSummary(BaseModel):
    id: str
    title: str
    status: str
    submitted_at: datetime | None

    @classmethod
    def of(cls, idea: Idea) -> CitizenIdeaSummary:
        return cls(id=idea.id, title=idea.title, status=idea.status, submitted_at=idea.submitted_at)


class FormSubmission(IdeaSubmission):
    """The idea's fields as an HTML form posts them, with the form token of a plain form."""

    form_token: str | None = Field(default=None, max_length=4096)


class CitizenIdeaCreate(BaseModel):
    """A citizen's idea: no scope (the unit decides it), no co-authors; always pseudonymous."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: str = Field(min_length=TITLE_MIN, max_length=TITLE_MAX)
    problem: str = Field(min_length=1, max_length=TEXT_MAX)
    solution: str = Field(min_length=1, max_length=TEXT_MAX)
    benefit: str = Field(default="", max_length=2000)
    category: str | None = Field(default=None, pattern=r"^[a-z0-9_-]{1,40}$")
    unit_id: str = Field(pattern=ID_PATTERN, max_length=64, description="From GET /units")
    language: str = Field(default="fi", pattern="^(fi|sv|en)$")
