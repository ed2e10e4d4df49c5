"""What an author writes: a new idea, a draft, an edit, and the events these become."""

from __future__ import annotations

import re
import uuid
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
)

from ideapaja_contracts.base import ID_PATTERN
from ideapaja_contracts.events.idea import Channel, IdeaSubmitted, Scope

TITLE_MIN, TITLE_MAX = 3, 200
TEXT_MAX = 5000
BENEFIT_MAX = 2000
# IdeaSubmitted carries at most 20 authors: the submitter and 19 others.
CO_AUTHORS_MAX = 19
CATEGORY_PATTERN = r"^[a-z0-9_-]{1,40}$"

UnitId = Annotated[str, StringConstraints(pattern=ID_PATTERN, max_length=64)]
PersonId = Annotated[str, StringConstraints(pattern=ID_PATTERN, max_length=64)]
CategoryId = Annotated[str, StringConstraints(pattern=CATEGORY_PATTERN)]
LanguageCode = Literal["fi", "sv", "en"]


class BenefitKind(StrEnum):
    """What the idea is expected to improve."""

    TIME = "time"
    MONEY = "money"
    QUALITY = "quality"
    WELLBEING = "wellbeing"
    CUSTOMER = "customer"


def form_person_ids(fields: list[str]) -> list[str]:
    """The co-authors of the intranet form: one text field ("p-1002, p-1003") or repeated
    fields, split on the separators a person types. Only the form's: the JSON API takes the
    list it documents, so ``["p-1, p-2"]`` is an invalid id there, never two ids."""
    return [part for field in fields for part in re.split(r"[\s,;]+", field) if part]


def _unique(values: list[Any]) -> list[Any]:
    return list(dict.fromkeys(values))


CoAuthorIds = Annotated[
    list[PersonId],
    Field(max_length=CO_AUTHORS_MAX, description="People invited as co-authors (they confirm)"),
    AfterValidator(_unique),  # after the length check: repeats count against the limit
]
BenefitKinds = Annotated[
    list[BenefitKind],
    Field(max_length=len(BenefitKind), description="What the idea improves"),
    AfterValidator(_unique),
]

# The fields the submission, the draft and the edit share, with their limits, written once.
TitleText = Annotated[
    str, Field(min_length=TITLE_MIN, max_length=TITLE_MAX, description="Short headline")
]
ProblemText = Annotated[
    str, Field(min_length=1, max_length=TEXT_MAX, description="What is wrong today")
]
SolutionText = Annotated[
    str, Field(min_length=1, max_length=TEXT_MAX, description="What to do instead")
]
BenefitText = Annotated[str, Field(max_length=BENEFIT_MAX, description="Expected benefit")]
CategoryChoice = Annotated[CategoryId | None, Field(description="A category id (GET /categories)")]
Language = Annotated[LanguageCode, Field(description="Language of the text")]
TeamUnitId = Annotated[
    UnitId | None,
    Field(description="Submit for a work community: a unit the submitter belongs to"),
]


# Control characters other than tab and line breaks have no place in an idea's text; they are
# refused (not silently dropped) so what is stored is exactly what the author sees.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def has_control_characters(value: str) -> bool:
    return _CONTROL.search(value) is not None


class _Strict(BaseModel):
    # Unknown fields are refused rather than dropped, so a typo never loses what was written.
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="before")
    @classmethod
    def _no_control_characters(cls, value: Any) -> Any:
        if isinstance(value, str) and has_control_characters(value):
            raise ValueError("must not contain control characters")
        return value


class IdeaSubmission(_Strict):
    """The fields of a new idea, the same from the JSON API and from the intranet form."""

    title: TitleText
    problem: ProblemText
    solution: SolutionText
    benefit: BenefitText = ""
    benefit_kinds: BenefitKinds = Field(default_factory=list)
    category: CategoryChoice = None
    scope: Scope = Field(description="Who decides: the unit, the department or the city")
    unit_id: UnitId = Field(description="The unit or department the idea concerns (GET /units)")
    language: Language = "fi"
    anonymous: bool = Field(
        default=False, description="Hide the authors from reviewers and colleagues"
    )
    team_unit_id: TeamUnitId = None
    co_author_ids: CoAuthorIds = Field(default_factory=list)


class IdeaDraft(_Strict):
    """A draft: everything optional but the title, with the same limits as a submission."""

    title: str = Field(min_length=1, max_length=TITLE_MAX, description="Short headline")
    problem: str = Field(default="", max_length=TEXT_MAX, description="What is wrong today")
    solution: str = Field(default="", max_length=TEXT_MAX, description="What to do instead")
    benefit: BenefitText = ""
    benefit_kinds: BenefitKinds = Field(default_factory=list)
    category: CategoryChoice = None
    scope: Scope | None = Field(
        default=None, description="Who decides: the unit, the department or the city"
    )
    unit_id: UnitId | None = Field(
        default=None, description="The unit or department the idea concerns (GET /units)"
    )
    language: Language = "fi"
    anonymous: bool = Field(
        default=False, description="Hide the authors from reviewers and colleagues once submitted"
    )
    team_unit_id: TeamUnitId = None
    co_author_ids: CoAuthorIds = Field(default_factory=list)


class IdeaEdit(_Strict):
    """A new version of a submitted idea's text. ``revision`` is the version the author edited:
    if someone saved another version meanwhile, the edit is refused instead of overwriting it."""

    revision: int = Field(ge=1, le=100_000, description="The revision being edited")
    title: TitleText
    problem: ProblemText
    solution: SolutionText
    benefit: BenefitText = ""
    benefit_kinds: BenefitKinds = Field(default_factory=list)
    category: CategoryChoice = None


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
    confirmed_co_author_ids: list[str] | None = None,
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
        author_ids=[author_id, *(confirmed_co_author_ids or [])],
        author_ref=author_ref,
        anonymous=submission.anonymous,
        team_unit_id=submission.team_unit_id,
    )


def public_actor(person_id: str, *, anonymous: bool, author_ref: str) -> str:
    """How an author's action is attributed in events and timelines: by the idea's pseudonym
    when the idea is anonymous, never by person id."""
    return author_ref if anonymous else person_id
