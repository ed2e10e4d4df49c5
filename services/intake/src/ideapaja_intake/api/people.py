"""Colleagues by name, for the idea form's co-author picker (authors name people, not ids)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from ideapaja_intake.api.deps import IntakeUow
from ideapaja_intake.authz import POLICY
from ideapaja_intake.domain.people import QUERY_MIN_LETTERS
from ideapaja_intake.domain.submission import CO_AUTHORS_MAX, PersonId
from ideapaja_intake.schemas.people import PersonPublic
from ideapaja_intake.usecases import people
from ideapaja_runtime.pagination import Page, PageParams
from ideapaja_runtime.routes import service_router

router = service_router(prefix="/people", tags=["people"])

IDS_MAX = CO_AUTHORS_MAX + 1
# The search's parameters (here and on GET /ideas/form/people).
NameQuery = Annotated[
    str | None,
    Query(
        min_length=QUERY_MIN_LETTERS,
        max_length=100,
        description="The start of a first name or surname, or of several (at most 5 words, "
        f"one of at least {QUERY_MIN_LETTERS} letters)",
    ),
]
PeopleIds = Annotated[
    list[PersonId],
    Query(
        max_length=IDS_MAX,
        description=f"Only these people (repeat for several, at most {IDS_MAX})",
    ),
]


@router.get(
    "",
    response_model=Page[PersonPublic],
    summary="Find colleagues by name (to choose co-authors)",
    **POLICY.route(
        "people.search",
        description="The city's active staff whose name has a part starting with each word of "
        "``q``, blind to case and accents (``kor`` finds Leena Korhonen, ``ahl`` Åhlund), the "
        "caller left out; or those of ``id`` (the names of co-authors already chosen). Name, "
        "unit and id only: never contact details, never people who have left. By name, then id.",
    ),
)
async def find_people(
    uow: IntakeUow,
    page: PageParams,
    q: NameQuery = None,
    id: PeopleIds = [],  # noqa: B006 - FastAPI copies query defaults
) -> Page[PersonPublic]:
    return await people.find_people(uow, q, id, page, PersonPublic.of)
