"""The admin area's front page and what its pages share: who may see it (admins; the services
decide again with the admin's own token), people picked by name, units by name, and the
dead-letter overview (privacy's read-only list; replaying stays with the operator's CLI)."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from ideapaja_portal.apis import ServiceError
from ideapaja_portal.web import co_authors
from ideapaja_portal.web.context import Viewer, apis_of, render, with_role

router = APIRouter(include_in_schema=False)

ADMIN_ROLES = ("admin",)
Admin = Annotated[Viewer, Depends(with_role(*ADMIN_ROLES))]
ID_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"
# Matches shown at once when an admin looks a person up by name.
PEOPLE_FOUND = 10
Typed = Annotated[str, Query(max_length=co_authors.QUERY_MAX, description="Part of a name")]
Cursor = Annotated[str | None, Query(max_length=500, description="The next page's cursor")]
DEAD_LETTERS_PER_PAGE = 25


async def find_people(
    request: Request, viewer: Viewer, typed: str
) -> tuple[list[dict[str, Any]], int] | None:
    """People whose name matches ``typed`` (intake's GET /people, as the idea form's co-author
    picker asks it); None when too little is typed to search by."""
    return await co_authors.search(apis_of(request), viewer, typed, [], limit=PEOPLE_FOUND)


async def names_of(request: Request, viewer: Viewer, ids: set[str]) -> dict[str, str]:
    """Person id → name, for the people a page lists (intake names them; "" once they left)."""
    if not ids:
        return {}
    return await co_authors.names_of(apis_of(request), viewer, sorted(ids))


async def units_of(request: Request, viewer: Viewer) -> list[dict[str, Any]]:
    """Every unit and department as HR describes them (departments first)."""
    units: list[dict[str, Any]] = await apis_of(request).every_item(
        "intake", "/units", token=viewer.token
    )
    return units


@router.get("/admin")
async def admin_home(request: Request, viewer: Admin) -> Response:
    return render(request, "admin.html", {})


@router.get("/admin/dead-letters")
async def dead_letters(request: Request, viewer: Admin, cursor: Cursor = None) -> Response:
    """The events the services' consumers gave up on, oldest first, a page at a time."""
    apis = apis_of(request)
    try:
        page = await apis.call(
            "privacy",
            "GET",
            "/dead-letters",
            token=viewer.token,
            params={"limit": DEAD_LETTERS_PER_PAGE, "cursor": cursor},
        )
    except ServiceError as exc:
        if exc.status != 503:
            raise
        # The broker did not answer: say so on the page rather than as an error page.
        page = None
    return render(request, "admin_dead_letters.html", {"page": page, "first": cursor is None})


async def gathered(*calls: Any) -> list[Any]:
    """Several service calls at once (the pages read lists from two or three services)."""
    return list(await asyncio.gather(*calls))
