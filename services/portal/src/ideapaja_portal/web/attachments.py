"""Files attached to ideas: uploaded with the idea or later by its authors, downloaded by whoever
may see the idea (intake decides, from the person's own token)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Path, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from ideapaja_portal.apis import Apis, ServiceError
from ideapaja_portal.web.context import CsrfProtected, SignedIn, Viewer, apis_of

router = APIRouter(include_in_schema=False)
Id = Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{1,64}$", description="An id")]
# What intake answers for a file it will not keep: too large, a type it does not take, too many.
REFUSED = (409, 413, 415, 422)
PASSED_HEADERS = ("content-type", "content-disposition", "content-length")


async def upload(apis: Apis, viewer: Viewer, idea_id: str, file: UploadFile) -> bool:
    """Attach ``file``; False when intake refused it (the person is told on the idea's page)."""
    data = await file.read()
    try:
        await apis.call(
            "intake",
            "POST",
            f"/ideas/{idea_id}/attachments",
            token=viewer.token,
            files={"file": (file.filename or "file", data, file.content_type)},
        )
    except ServiceError as exc:
        if exc.status in REFUSED:
            return False
        raise
    return True


@router.post("/ideas/{idea_id}/attachments", dependencies=[CsrfProtected])
async def attach(
    request: Request,
    viewer: SignedIn,
    idea_id: Id,
    attachment: Annotated[UploadFile, File()],
) -> Response:
    attached = await upload(apis_of(request), viewer, idea_id, attachment)
    suffix = "" if attached else "?attachment=refused"
    return RedirectResponse(f"/ideas/{idea_id}{suffix}#attachments", status_code=303)


@router.get("/ideas/{idea_id}/attachments/{attachment_id}")
async def download(request: Request, viewer: SignedIn, idea_id: Id, attachment_id: Id) -> Response:
    answer = await apis_of(request).raw(
        "intake", "GET", f"/ideas/{idea_id}/attachments/{attachment_id}", token=viewer.token
    )
    headers = {name: answer.headers[name] for name in PASSED_HEADERS if name in answer.headers}
    # A download, never rendered in the portal's origin (an uploaded HTML file stays inert).
    headers["content-disposition"] = headers.get("content-disposition", "attachment")
    headers["x-content-type-options"] = "nosniff"
    return Response(answer.content, headers=headers)
