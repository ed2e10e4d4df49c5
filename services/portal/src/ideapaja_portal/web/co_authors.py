"""Co-authors on the idea form, chosen by name from HR's people (intake's GET /people), never by a
typed id: suggestions while typing (HTMX) that add a removable chip holding the person's id, and
without JavaScript a search button that lists the matches as checkboxes on the same page. Also the
invited colleague's answer on the idea page (accept or decline)."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterable
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import RedirectResponse, Response

from ideapaja_portal.apis import Apis, ServiceError
from ideapaja_portal.web.context import CsrfProtected, SignedIn, Viewer, apis_of, render

router = APIRouter(include_in_schema=False)

PERSON_ID = r"^[A-Za-z0-9_-]{1,64}$"
# The most an idea has besides its submitter (intake's CO_AUTHORS_MAX); suggestions shown at once.
CO_AUTHORS_MAX = 19
SUGGESTIONS = 8
# The most people intake names in one call (GET /people?id=…).
PEOPLE_PER_CALL = CO_AUTHORS_MAX + 1
QUERY_MAX = 100

PersonId = Annotated[str, Query(pattern=PERSON_ID, description="The person's id")]
IdeaId = Annotated[str, Path(pattern=PERSON_ID, description="The idea's id")]
Typed = Annotated[str, Query(max_length=QUERY_MAX, description="Part of a colleague's name")]
Chosen = Annotated[
    list[str], Query(max_length=CO_AUTHORS_MAX, description="Co-authors already chosen")
]


def chosen_ids(values: Iterable[str], removed: str = "") -> list[str]:
    """The co-authors the form holds: well-formed ids, each once, at most the most allowed."""
    ids = [v for v in dict.fromkeys(values) if re.match(PERSON_ID, v) and v != removed]
    return ids[:CO_AUTHORS_MAX]


async def named(apis: Apis, viewer: Viewer, ids: list[str]) -> list[dict[str, Any]]:
    """The people of ``ids`` in that order, with names and units; one intake no longer names
    (they left, or were erased) with an empty name. Asked for 20 at a time (intake's most)."""
    wanted = list(dict.fromkeys(ids))
    chunks = [wanted[i : i + PEOPLE_PER_CALL] for i in range(0, len(wanted), PEOPLE_PER_CALL)]
    pages = await asyncio.gather(
        *(
            apis.call(
                "intake", "GET", "/people", token=viewer.token, params={"id": chunk, "limit": 100}
            )
            for chunk in chunks
        )
    )
    found = {person["id"]: person for page in pages for person in page["items"]}
    return [found.get(i) or {"id": i, "display_name": ""} for i in ids]


async def names_of(apis: Apis, viewer: Viewer, ids: Iterable[str]) -> dict[str, str]:
    """Person id → name ("" for someone intake no longer names)."""
    return {person["id"]: person["display_name"] for person in await named(apis, viewer, [*ids])}


async def search(
    apis: Apis, viewer: Viewer, typed: str, chosen: list[str], limit: int = SUGGESTIONS
) -> tuple[list[dict[str, Any]], int] | None:
    """Colleagues matching ``typed`` who are not chosen yet, and how many match in all; None
    when there is too little to search by."""
    if len(typed.strip()) < 2:
        return None
    try:
        page = await apis.call(
            "intake",
            "GET",
            "/people",
            token=viewer.token,
            params={"q": typed.strip(), "limit": limit + len(chosen)},
        )
    except ServiceError as exc:
        if exc.status != 422:
            raise
        return None
    items = [p for p in page["items"] if p["id"] not in chosen][:limit]
    return items, max(0, page["total"] - (len(page["items"]) - len(items)))


@router.get("/ideas/co-authors")
async def suggestions(
    request: Request,
    viewer: SignedIn,
    co_author_q: Typed = "",
    co_author_ids: Chosen = [],  # noqa: B006 - FastAPI copies query defaults
) -> Response:
    """The suggestions under the co-author search (HTMX fetches them while the person types)."""
    chosen = chosen_ids(co_author_ids)
    found = await search(apis_of(request), viewer, co_author_q, chosen)
    return render(
        request, "partials/co_author_suggestions.html", {"found": found, "typed": co_author_q}
    )


@router.get("/ideas/co-authors/chip")
async def chip(request: Request, viewer: SignedIn, person_id: PersonId) -> Response:
    """A picked colleague as a chip for the form (with the search box emptied and the pick said
    aloud in the suggestions' live region)."""
    [person] = await named(apis_of(request), viewer, [person_id])
    if not person["display_name"]:
        return render(request, "partials/co_author_chip.html", {"person": None})
    return render(request, "partials/co_author_chip.html", {"person": person})


@router.get("/ideas/co-authors/removed")
async def removed(request: Request, viewer: SignedIn) -> Response:
    """What replaces a removed chip: nothing, the search box ready again, and a word to say so."""
    return render(request, "partials/co_author_chip.html", {"person": None, "removed": True})


async def _answer(request: Request, viewer: Viewer, idea_id: str, *, accept: bool) -> Response:
    path = f"/ideas/{idea_id}/co-authors/{viewer.person_id}"
    apis = apis_of(request)
    if accept:
        await apis.call("intake", "POST", f"{path}/confirm", token=viewer.token)
        return RedirectResponse(f"/ideas/{idea_id}?joined=1", status_code=303)
    await apis.call("intake", "DELETE", path, token=viewer.token)
    return RedirectResponse("/my/ideas", status_code=303)


@router.post("/ideas/{idea_id}/co-authors/accept", dependencies=[CsrfProtected])
async def accept(request: Request, viewer: SignedIn, idea_id: IdeaId) -> Response:
    return await _answer(request, viewer, idea_id, accept=True)


@router.post("/ideas/{idea_id}/co-authors/decline", dependencies=[CsrfProtected])
async def decline(request: Request, viewer: SignedIn, idea_id: IdeaId) -> Response:
    return await _answer(request, viewer, idea_id, accept=False)
