"""The person's in-app inbox (the notification service's): every item, or only the unread, a
page at a time; opening an item marks it read and goes where it points (its idea); "mark all
read". Plain forms (POST with the CSRF token, then a redirect), so it works without JavaScript.
The navigation's unread badge is ``context.count_unread``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import RedirectResponse, Response

from ideapaja_portal.web.context import CsrfProtected, SignedIn, apis_of, render, safe_next

router = APIRouter(include_in_schema=False)
Cursor = Annotated[str | None, Query(max_length=200, description="Next page's cursor")]
Flag = Annotated[str, Query(max_length=1, pattern="^1?$", description="1 for yes")]
ItemId = Annotated[
    str, Path(max_length=64, pattern=r"^[A-Za-z0-9_-]+$", description="The inbox item's id")
]
PAGE_SIZE = 20


@router.get("/notifications")
async def notifications(
    request: Request,
    viewer: SignedIn,
    cursor: Cursor = None,
    unread: Flag = "",
    all_read: Annotated[Flag, Query(alias="all-read")] = "",
) -> Response:
    """The inbox, newest first; ``unread=1`` only the unread items."""
    page = await apis_of(request).call(
        "notification",
        "GET",
        "/inbox",
        token=viewer.token,
        params={"limit": PAGE_SIZE, "cursor": cursor, "unread": "true" if unread else None},
    )
    return render(
        request,
        "notifications.html",
        {
            "page": page,
            "only_unread": bool(unread),
            "all_read": bool(all_read),
            "more": "/notifications" + ("?unread=1" if unread else ""),
        },
    )


@router.post("/notifications/{item_id}/open", dependencies=[CsrfProtected])
async def open_item(request: Request, viewer: SignedIn, item_id: ItemId) -> Response:
    """Mark the item read and go to what it is about (back to the inbox if about nothing)."""
    item = await apis_of(request).call(
        "notification", "POST", f"/inbox/{item_id}/read", token=viewer.token
    )
    link = item.get("link")
    return RedirectResponse(safe_next(link) if link else "/notifications", status_code=303)


@router.post("/notifications/read-all", dependencies=[CsrfProtected])
async def mark_all_read(request: Request, viewer: SignedIn) -> Response:
    await apis_of(request).call("notification", "POST", "/inbox/read-all", token=viewer.token)
    return RedirectResponse("/notifications?all-read=1", status_code=303)
