"""What an author must give to submit an idea, and the event a submission becomes."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from ideapaja_contracts.base import ID_PATTERN
from ideapaja_contracts.events.idea import Channel, IdeaSubmitted, Scope

TITLE_MIN, TITLE_MAX = 3, 200
TEXT_MAX = 5000
BENEFIT_MAX = 2000

UnitId = Annotated[str, StringConstraints(pattern=ID_PATTERN, max_length=64)]


class IdeaSubmission(BaseModel):
    """The fields of a new idea, the same from the JSON API and from the intranet form."""

    # Unknown fields are refused rather than dropped, so a typo never loses what was written.
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: str = Field(min_length=TITLE_MIN, max_length=TITLE_MAX, description="Short headline")
    problem: str = Field(min_length=1, max_length=TEXT_MAX, description="What is wrong today")
    solution: str = Field(min_length=1, max_length=TEXT_MAX, description="What to do instead")
    benefit: str = Field(default="", max_length=BENEFIT_MAX, description="Expected benefit")
    scope: Scope = Field(description="Who decides: the unit, the department or the city")
    unit_id: UnitId = Field(description="The unit or department the idea concerns (GET /units)")
    language: Literal["fi", "sv", "en"] = Field(default="fi", description="Language of the text")
    anonymous: bool = Field(
        default=False, description="Hide the authors from reviewers and colleagues"
    )


def new_idea_id() -> str:
    """An opaque, URL-safe id that also fits the contracts' Id pattern (34 characters)."""
    return f"i-{uuid.uuid4().hex}"


def submitted_event(
    *,
    idea_id: str,
    submission: IdeaSubmission,
    author_id: str,
    author_ref: str,
    channel: Channel,
) -> IdeaSubmitted:
    return IdeaSubmitted(
        idea_id=idea_id,
        title=submission.title,
        problem=submission.problem,
        solution=submission.solution,
        benefit=submission.benefit,
        scope=submission.scope,
        unit_id=submission.unit_id,
        language=submission.language,
        channel=channel,
        author_ids=[author_id],
        author_ref=author_ref,
        anonymous=submission.anonymous,
    )
