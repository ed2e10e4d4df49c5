"""The front page (the employee's home once signed in) and points."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from ideapaja_portal.apis import ServiceError
from ideapaja_portal.web.context import SignedIn, apis_of, count_unread, render, viewer_of

router = APIRouter(include_in_schema=False)
Cursor = Annotated[str | None, Query(max_length=200, description="Next page's cursor")]


async def _or_none(call: Any) -> Any:
    """One box of the home page: a service that does not answer leaves its box empty, the rest
    of the page still works."""
    try:
        return await call
    except ServiceError as exc:
        if exc.status == 401:
            raise
        return None


@router.get("/")
async def home(request: Request) -> Response:
    viewer = viewer_of(request)
    if viewer is None:
        return render(request, "welcome.html")
    count_unread(request, viewer)  # the badge's count, beside the boxes' calls
    apis = apis_of(request)
    token = viewer.token
    ideas, points, notifications, work = await asyncio.gather(
        _or_none(
            apis.call("intake", "GET", "/ideas", token=token, params={"mine": "true", "limit": 5})
        ),
        _or_none(apis.call("reward", "GET", "/ledger/me", token=token, params={"limit": 1})),
        _or_none(apis.call("notification", "GET", "/inbox", token=token, params={"limit": 3})),
        _or_none(apis.call("review", "GET", "/cases", token=token, params={"limit": 5}))
        if viewer.reviews
        else _none(),
    )
    return render(
        request,
        "home.html",
        {"ideas": ideas, "points": points, "notifications": notifications, "work": work},
    )


async def _none() -> None:
    return None


@router.get("/points")
async def points(request: Request, viewer: SignedIn, cursor: Cursor = None) -> Response:
    page = await apis_of(request).call(
        "reward", "GET", "/ledger/me", token=viewer.token, params={"limit": 20, "cursor": cursor}
    )
    return render(request, "points.html", {"page": page})
