"""Drafts: an idea kept to finish later (intake's /drafts), and throwing one away."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import RedirectResponse, Response

from ideapaja_portal.apis import Apis
from ideapaja_portal.web.context import CsrfProtected, SignedIn, Viewer, apis_of

router = APIRouter(include_in_schema=False)
DraftId = Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{1,64}$", description="The draft's id")]


def _content(values: dict[str, Any]) -> dict[str, Any]:
    """A draft keeps what is filled in; intake refuses empty strings for optional choices."""
    return {key: value for key, value in values.items() if value not in ("", None)}


async def save(apis: Apis, viewer: Viewer, draft_id: str, values: dict[str, Any]) -> None:
    content = _content(values)
    if draft_id:
        await apis.call("intake", "PUT", f"/drafts/{draft_id}", token=viewer.token, json=content)
    else:
        await apis.call("intake", "POST", "/drafts", token=viewer.token, json=content)


async def submit(apis: Apis, viewer: Viewer, draft_id: str, values: dict[str, Any]) -> Any:
    """The draft as last edited becomes the idea (it keeps the draft's id)."""
    await save(apis, viewer, draft_id, values)
    return await apis.call("intake", "POST", f"/drafts/{draft_id}/submit", token=viewer.token)


@router.post("/drafts/{draft_id}/delete", dependencies=[CsrfProtected])
async def delete_draft(request: Request, viewer: SignedIn, draft_id: DraftId) -> Response:
    await apis_of(request).call("intake", "DELETE", f"/drafts/{draft_id}", token=viewer.token)
    return RedirectResponse("/my/ideas", status_code=303)
