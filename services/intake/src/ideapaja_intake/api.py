"""HTTP API: submit ideas (JSON and intranet form), read them, list units for the forms."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from fastapi import APIRouter, Form, Path, Query, Request, Response
from fastapi.responses import RedirectResponse

from ideapaja_contracts.base import ID_PATTERN
from ideapaja_contracts.events.hr import UnitKind
from ideapaja_contracts.events.idea import Channel
from ideapaja_intake.domain.submission import IdeaSubmission
from ideapaja_intake.domain.visibility import (
    REVIEWER_ROLES,
    STAFF_ROLES,
    can_view_idea,
    is_reviewer,
)
from ideapaja_intake.settings import IntakeSettings
from ideapaja_intake.store import list_ideas, list_units, load_idea
from ideapaja_intake.submissions import submit_idea
from ideapaja_intake.views import IdeaPage, IdeaPublic, IdeaSummary, UnitPublic
from ideapaja_runtime.auth import CurrentPrincipal, Principal, require_roles
from ideapaja_runtime.deps import RuntimeDep, TraceparentDep
from ideapaja_runtime.problems import PROBLEM_SCHEMA, Problem

ideas_router = APIRouter(prefix="/ideas", tags=["ideas"])
units_router = APIRouter(prefix="/units", tags=["units"])

StaffPrincipal = Annotated[Principal, require_roles(*STAFF_ROLES)]
IdeaIdPath = Annotated[str, Path(pattern=ID_PATTERN, max_length=64)]


def idea_location(idea_id: str) -> str:
    return f"/ideas/{idea_id}"


def wants_json(accept: str | None) -> bool:
    """True when the client asked for JSON (a script or the portal), not a page (a browser)."""
    for part in (accept or "").split(","):
        media_type = part.split(";", 1)[0].strip().lower()
        if media_type == "application/json" or media_type.endswith("+json"):
            return True
    return False


def with_idea_param(url: str, idea_id: str) -> str:
    parts = urlsplit(url)
    query = [*parse_qsl(parts.query, keep_blank_values=True), ("idea", idea_id)]
    return urlunsplit(parts._replace(query=urlencode(query)))


@ideas_router.post(
    "",
    status_code=201,
    response_model=IdeaPublic,
    summary="Submit an idea",
    description="Stores the idea and emits IdeaSubmitted (channel api) in the same transaction.",
    responses={201: {"headers": {"Location": {"description": "URL of the new idea"}}}},
)
async def create_idea(
    submission: IdeaSubmission,
    principal: StaffPrincipal,
    runtime: RuntimeDep,
    traceparent: TraceparentDep,
    response: Response,
) -> IdeaPublic:
    record = await submit_idea(
        runtime,
        author=principal,
        submission=submission,
        channel=Channel.API,
        traceparent=traceparent,
    )
    response.headers["Location"] = idea_location(record.idea.id)
    return IdeaPublic.of(record, principal.person_id)


@ideas_router.post(
    "/form",
    status_code=201,
    response_model=IdeaPublic,
    summary="Submit an idea from the intranet form",
    description="The same fields as POST /ideas, form-encoded (channel intranet_form). Answers "
    "201 JSON when the request accepts application/json or no thank-you page is configured, "
    "otherwise redirects (303) to the thank-you page with ?idea=<id>.",
    responses={
        201: {"headers": {"Location": {"description": "URL of the new idea"}}},
        303: {"description": "Redirect to the configured thank-you page"},
    },
)
async def create_idea_from_form(
    submission: Annotated[IdeaSubmission, Form()],
    principal: StaffPrincipal,
    runtime: RuntimeDep,
    traceparent: TraceparentDep,
    request: Request,
    response: Response,
) -> IdeaPublic | Response:
    record = await submit_idea(
        runtime,
        author=principal,
        submission=submission,
        channel=Channel.INTRANET_FORM,
        traceparent=traceparent,
    )
    settings = runtime.settings
    assert isinstance(settings, IntakeSettings)
    thank_you = settings.form_thank_you_url
    if thank_you and not wants_json(request.headers.get("accept")):
        return RedirectResponse(with_idea_param(thank_you, record.idea.id), status_code=303)
    response.headers["Location"] = idea_location(record.idea.id)
    return IdeaPublic.of(record, principal.person_id)


@ideas_router.get(
    "/{idea_id}",
    response_model=IdeaPublic,
    summary="Read an idea with its status and status history",
    description="Visible to its authors and to reviewers ("
    + ", ".join(REVIEWER_ROLES)
    + "). The authors of an anonymous idea are shown only to themselves.",
    responses={404: PROBLEM_SCHEMA},
)
async def read_idea(
    idea_id: IdeaIdPath, principal: CurrentPrincipal, runtime: RuntimeDep
) -> IdeaPublic:
    async with runtime.db.transaction() as session:
        record = await load_idea(session, idea_id)
    if record is None:
        raise Problem(404, "Idea not found", f"No idea {idea_id}.")
    if not can_view_idea(principal.person_id, principal.roles, record.author_ids):
        raise Problem(403, "Forbidden", "Only the authors and reviewers may read this idea.")
    return IdeaPublic.of(record, principal.person_id)


@ideas_router.get(
    "",
    response_model=IdeaPage,
    summary="List ideas, newest first",
    description="mine=true: the caller's own ideas (anyone). Otherwise all submitted ideas, "
    "for reviewers only.",
)
async def read_ideas(
    principal: CurrentPrincipal,
    runtime: RuntimeDep,
    mine: Annotated[bool, Query(description="Only the caller's own ideas")] = False,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> IdeaPage:
    if not mine and not is_reviewer(principal.roles):
        raise Problem(
            403, "Forbidden", "Listing all ideas needs a reviewer role; use mine=true for yours."
        )
    async with runtime.db.transaction() as session:
        ideas, total = await list_ideas(
            session,
            author_id=principal.person_id if mine else None,
            limit=limit,
            offset=offset,
        )
    return IdeaPage(
        items=[IdeaSummary.of(idea) for idea in ideas], total=total, limit=limit, offset=offset
    )


@units_router.get(
    "",
    response_model=list[UnitPublic],
    summary="Units and departments an idea can concern (as HR describes them)",
)
async def read_units(
    principal: CurrentPrincipal,
    runtime: RuntimeDep,
    kind: Annotated[UnitKind | None, Query(description="Only units or only departments")] = None,
) -> list[UnitPublic]:
    async with runtime.db.transaction() as session:
        units = await list_units(session, kind.value if kind else None)
    return [UnitPublic.of(unit) for unit in units]
