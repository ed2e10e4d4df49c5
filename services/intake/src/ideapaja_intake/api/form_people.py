"""Colleagues by name for the form pages (the embeddable page's co-author search): the same
search as ``GET /people``, authorised by the page's form token instead of a bearer token (a page
has no bearer token). The token's person is the searcher, and is left out of the matches."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

from fastapi import Depends, Query, Request

from ideapaja_intake.api.deps import LaterUow
from ideapaja_intake.api.form_auth import FormCaller, caller_from_token
from ideapaja_intake.api.people import IDS_MAX, NameQuery, PeopleIds
from ideapaja_intake.authz import PAGE_SEARCH, POLICY
from ideapaja_intake.domain.form_token import TOKEN_MAX
from ideapaja_intake.schemas.people import PersonPublic
from ideapaja_intake.settings import IntakeSettings
from ideapaja_intake.usecases import people
from ideapaja_runtime.pagination import Page, PageParams, PageRequest
from ideapaja_runtime.problems import Problem
from ideapaja_runtime.routes import service_router
from ideapaja_runtime.uow import UnitOfWork

router = service_router(tags=["channels"])
FORM_PEOPLE_PATH = "/ideas/form/people"


async def _searcher(
    request: Request,
    form_token: Annotated[
        str | None,
        Query(
            max_length=TOKEN_MAX,
            description="The page's form token (POST /form-tokens): its person searches",
        ),
    ] = None,
) -> FormCaller:
    """The form token's person, admitted for ``people.search`` (401 without a valid token)."""
    if not form_token:
        raise Problem(
            401,
            "Authentication required",
            "Send the page's form token as ?form_token= (from POST /form-tokens).",
        )
    caller = await caller_from_token(request, form_token)
    return caller.allowed("people.search", request)


Searcher = Annotated[FormCaller, Depends(_searcher)]


@router.get(
    FORM_PEOPLE_PATH,
    response_model=Page[PersonPublic],
    summary="Find colleagues by name from a form page (to choose co-authors)",
    **POLICY.route(
        "people.search",
        description="GET /people for the embeddable page's script (or an intranet form's), "
        "authorised by the page's form token: the city's active staff whose name has a part "
        "starting with each word of ``q``, blind to case and accents, the token's person left "
        "out; or those of ``id``. Name, unit and id only. By name, then id. Searching does not "
        "use up the token (it still submits one idea).",
        form_token=PAGE_SEARCH,
    ),
)
async def find_people_for_form(
    searcher: Searcher,
    later: LaterUow,
    page: PageParams,
    q: NameQuery = None,
    id: PeopleIds = [],  # noqa: B006 - FastAPI copies query defaults
) -> Page[PersonPublic]:
    return await people.find_people(await later(), q, id, page, PersonPublic.of)


# How many matches the page shows after a search without its script.
PAGE_MATCHES = 20


async def chosen_people(uow: UnitOfWork[IntakeSettings], ids: Sequence[str]) -> list[PersonPublic]:
    """The co-authors chosen on a page, by name (for showing them again); ids of no active
    colleague are left out (the submission names them as refused)."""
    wanted = list(dict.fromkeys(ids))[:IDS_MAX]
    if not wanted:
        return []
    found = await people.find_people(uow, None, wanted, PageRequest(limit=IDS_MAX), PersonPublic.of)
    return list(found.items)


async def people_named(
    uow: UnitOfWork[IntakeSettings], query: str
) -> tuple[list[PersonPublic], bool]:
    """The page's search without its script: the first matches, and whether there are more.
    ``InvalidInput`` when ``query`` names no one (too few letters)."""
    found = await people.find_people(
        uow, query or None, [], PageRequest(limit=PAGE_MATCHES), PersonPublic.of
    )
    return list(found.items), found.next_cursor is not None
