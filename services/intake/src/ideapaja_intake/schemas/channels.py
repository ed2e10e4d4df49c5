"""The channels besides the JSON API: form tokens, the intranet form's fields, and the citizen
channel's ideas."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from ideapaja_contracts.base import ID_PATTERN
from ideapaja_intake.db.ideas import IdeaRecord
from ideapaja_intake.domain.submission import (
    BenefitText,
    CategoryChoice,
    IdeaSubmission,
    ProblemText,
    SolutionText,
    TitleText,
)


class FormTokenPublic(BaseModel):
    """A single-use token a plain HTML form submits with instead of a bearer token."""

    form_token: str = Field(description="Put in the form's hidden field 'form_token'")
    expires_at: datetime = Field(description="After this the token is refused")
    form_url: str = Field(description="The embeddable form page for this token (absolute URL)")


class CitizenTimelineEntry(BaseModel):
    """A step of a citizen's idea, without internal detail."""

    status: str = Field(description="The status it led to")
    at: datetime = Field(description="When it happened")
    message: str | None = Field(default=None, description="The decision's rationale or question")


class CitizenIdeaPublic(BaseModel):
    """What a citizen sees of their own idea: no reviewer, case or internal reference."""

    id: str = Field(description="The idea's id")
    status: str = Field(description="Where the idea is (submitted, in_review, accepted, …)")
    title: str = Field(description="Short headline")
    problem: str = Field(description="What is wrong today")
    solution: str = Field(description="What to do instead")
    benefit: str = Field(description="Expected benefit; empty if not given")
    submitted_at: datetime | None = Field(description="When it was submitted")
    timeline: list[CitizenTimelineEntry] = Field(description="Its steps, oldest first")

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
    """A citizen's idea in their list."""

    model_config = ConfigDict(from_attributes=True)

    id: str = Field(description="The idea's id")
    title: str = Field(description="Short headline")
    status: str = Field(description="Where the idea is (submitted, in_review, accepted, …)")
    language: str = Field(description="Language of the text: fi, sv or en")
    submitted_at: datetime | None = Field(description="When it was submitted")


class FormSubmission(IdeaSubmission):
    """The idea's fields as an HTML form posts them, with the form token of a plain form."""

    form_token: str | None = Field(
        default=None,
        max_length=4096,
        description="From POST /form-tokens, for a plain HTML form without a bearer token",
    )


class CitizenIdeaCreate(BaseModel):
    """A citizen's idea: no scope (the unit decides it), no co-authors; always pseudonymous."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: TitleText
    problem: ProblemText
    solution: SolutionText
    benefit: BenefitText = ""
    category: CategoryChoice = None
    unit_id: str = Field(
        pattern=ID_PATTERN,
        max_length=64,
        description="The unit or department the idea concerns (GET /units)",
    )
    language: str = Field(
        default="fi", pattern="^(fi|sv|en)$", description="Language of the text: fi, sv or en"
    )
