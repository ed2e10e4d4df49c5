"""Committees: my committees and their meetings, calling a meeting, a meeting with its agenda
(adding a case, attendance, closing) and its minutes downloaded in Finnish, Swedish or English
as Markdown or CSV. Scoring and deciding an agenda item is ``committee_items.py``."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.responses import RedirectResponse, Response

from ideapaja_portal.apis import Apis, ServiceError
from ideapaja_portal.i18n import CITY_TIME_ZONE, LANGUAGES
from ideapaja_portal.web.co_authors import names_of
from ideapaja_portal.web.context import (
    CsrfProtected,
    PageError,
    Viewer,
    apis_of,
    render,
    texts_of,
    with_role,
)
from ideapaja_portal.web.forms import top_field_messages

router = APIRouter(include_in_schema=False)

COMMITTEE_ROLES = ("committee_member", "management", "admin")
CommitteeViewer = Annotated[Viewer, Depends(with_role(*COMMITTEE_ROLES))]
Id = Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{1,64}$", description="An id")]
ORGANISERS = ("chair", "secretary")
MINUTES_FORMATS = {"markdown": "md", "csv": "csv"}


def role_in(committee: dict[str, Any], viewer: Viewer) -> str | None:
    """The viewer's role in ``committee`` (chair, secretary, member), or None."""
    for member in committee.get("members") or ():
        if member["person_id"] == viewer.person_id:
            return str(member["role"])
    return None


def members_of(*committees: dict[str, Any]) -> list[str]:
    """The members of ``committees``, each once, chairs first (whose names the pages show)."""
    members = [m for c in committees for m in c.get("members") or ()]
    members.sort(key=lambda m: m["role"] != "chair")
    return list(dict.fromkeys(m["person_id"] for m in members))


def organises(committee: dict[str, Any], viewer: Viewer) -> bool:
    return "admin" in viewer.roles or role_in(committee, viewer) in ORGANISERS


async def _committees_page(
    request: Request,
    viewer: Viewer,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    failed: str = "",
) -> Response:
    apis = apis_of(request)
    every = await apis.every_item("review", "/committees", token=viewer.token)
    oversees = viewer.has_any("admin", "management")
    mine = [c for c in every if oversees or role_in(c, viewer) is not None]
    # Every committee's meetings and all their members' names at once (one call for the names).
    names, *pages = await asyncio.gather(
        names_of(apis, viewer, members_of(*mine)),
        *(
            apis.call(
                "review",
                "GET",
                f"/committees/{c['id']}/meetings",
                token=viewer.token,
                params={"limit": 50},
            )
            for c in mine
        ),
    )
    return render(
        request,
        "committees.html",
        {
            "committees": [
                {
                    **c,
                    "my_role": role_in(c, viewer),
                    "organiser": organises(c, viewer),
                    "meetings": page["items"],
                }
                for c, page in zip(mine, pages, strict=True)
            ],
            "names": names,
            "errors": errors or {},
            "values": values or {},
            "failed": failed,
        },
        status_code=422 if errors else 200,
    )


@router.get("/committees")
async def committees(request: Request, viewer: CommitteeViewer) -> Response:
    return await _committees_page(request, viewer)


def _moment(value: str) -> str | None:
    """A ``datetime-local`` value (the city's time) as an ISO moment."""
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=CITY_TIME_ZONE)
    return moment.isoformat()


@router.post("/committees/{committee_id}/meetings", dependencies=[CsrfProtected])
async def call_meeting(
    request: Request,
    viewer: CommitteeViewer,
    committee_id: Id,
    title: Annotated[str, Form(max_length=200)] = "",
    scheduled_at: Annotated[str, Form(max_length=30)] = "",
    whole_agenda: Annotated[str | None, Form(max_length=8)] = None,
) -> Response:
    values = {"title": title, "scheduled_at": scheduled_at}
    texts = texts_of(request)
    moment = _moment(scheduled_at)
    errors: dict[str, str] = {}
    if moment is None:
        errors["scheduled_at"] = texts.gettext("Give a date and time.")
    if not title.strip():
        errors["title"] = texts.gettext("This field is required.")
    if not errors:
        body: dict[str, Any] = {"title": title, "scheduled_at": moment}
        if not whole_agenda:
            body["case_ids"] = []
        try:
            meeting = await apis_of(request).call(
                "review",
                "POST",
                f"/committees/{committee_id}/meetings",
                token=viewer.token,
                json=body,
            )
        except ServiceError as exc:
            errors = top_field_messages(texts, exc)
        else:
            return RedirectResponse(f"/meetings/{meeting['id']}?done=called", status_code=303)
    return await _committees_page(
        request, viewer, errors=errors, values=values, failed=committee_id
    )


async def waiting_cases(
    apis: Apis, viewer: Viewer, committee: dict[str, Any], meeting: dict[str, Any]
) -> list[dict[str, Any]]:
    """Cases in review waiting for this committee and not on this agenda (what may be added)."""
    cases = await apis.every_item(
        "review", "/cases", token=viewer.token, params={"status": "in_review"}
    )
    on_agenda = {item["id"] for item in meeting["agenda"]}
    return [
        case
        for case in cases
        if case["id"] not in on_agenda
        and (
            case.get("committee_id") == committee["id"]
            or (
                committee["city_wide"]
                and case.get("committee_id") is None
                and case.get("scope") == "city"
            )
        )
    ]


async def _meeting_page(
    request: Request,
    viewer: Viewer,
    meeting_id: str,
    *,
    errors: dict[str, str] | None = None,
    failed: str = "",
) -> Response:
    apis = apis_of(request)
    meeting = await apis.call("review", "GET", f"/meetings/{meeting_id}", token=viewer.token)
    committee = await apis.call(
        "review", "GET", f"/committees/{meeting['committee_id']}", token=viewer.token
    )
    organiser = organises(committee, viewer)
    people = [*members_of(committee), *meeting["present_ids"]]
    if organiser and meeting["status"] == "planned":
        waiting, names = await asyncio.gather(
            waiting_cases(apis, viewer, committee, meeting), names_of(apis, viewer, people)
        )
    else:
        waiting, names = [], await names_of(apis, viewer, people)
    return render(
        request,
        "meeting.html",
        {
            "meeting": meeting,
            "committee": committee,
            "my_role": role_in(committee, viewer),
            "organiser": organiser,
            "waiting": waiting,
            "names": names,
            "languages_of_minutes": LANGUAGES,
            "errors": errors or {},
            "failed": failed,
        },
        status_code=422 if errors else 200,
    )


@router.get("/meetings/{meeting_id}")
async def meeting(request: Request, viewer: CommitteeViewer, meeting_id: Id) -> Response:
    return await _meeting_page(request, viewer, meeting_id)


async def _organise(
    request: Request,
    viewer: Viewer,
    meeting_id: str,
    form: str,
    path: str,
    body: dict[str, Any] | None,
    *,
    method: str = "POST",
    errors: dict[str, str] | None = None,
) -> Response:
    """Send an organiser's change to review; back to the meeting, or the form with its errors."""
    texts = texts_of(request)
    if not errors:
        try:
            await apis_of(request).call("review", method, path, token=viewer.token, json=body)
        except ServiceError as exc:
            errors = top_field_messages(texts, exc)
    if errors:
        return await _meeting_page(request, viewer, meeting_id, errors=errors, failed=form)
    return RedirectResponse(f"/meetings/{meeting_id}?done={form}", status_code=303)


@router.post("/meetings/{meeting_id}/items", dependencies=[CsrfProtected])
async def add_item(
    request: Request,
    viewer: CommitteeViewer,
    meeting_id: Id,
    case_id: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    errors = {}
    if not case_id:
        errors["case_id"] = texts_of(request).gettext("Choose one of the options.")
    path = f"/meetings/{meeting_id}/items"
    return await _organise(
        request, viewer, meeting_id, "agenda", path, {"case_id": case_id}, errors=errors
    )


@router.post("/meetings/{meeting_id}/attendance", dependencies=[CsrfProtected])
async def attendance(
    request: Request,
    viewer: CommitteeViewer,
    meeting_id: Id,
    present_ids: Annotated[list[str], Form(max_length=100)] = [],  # noqa: B006
) -> Response:
    path = f"/meetings/{meeting_id}/attendance"
    body = {"present_ids": present_ids}
    return await _organise(request, viewer, meeting_id, "attendance", path, body, method="PUT")


@router.post("/meetings/{meeting_id}/close", dependencies=[CsrfProtected])
async def close(request: Request, viewer: CommitteeViewer, meeting_id: Id) -> Response:
    path = f"/meetings/{meeting_id}/close"
    return await _organise(request, viewer, meeting_id, "closed", path, None)


@router.get("/meetings/{meeting_id}/minutes")
async def minutes(
    request: Request,
    viewer: CommitteeViewer,
    meeting_id: Id,
    format: Annotated[str, Query(max_length=10, description="markdown or csv")] = "markdown",
    language: Annotated[str, Query(max_length=2, description="fi, sv or en")] = "fi",
) -> Response:
    """The minutes as review writes them, fetched with the person's token, as a download."""
    if format not in MINUTES_FORMATS or language not in LANGUAGES:
        texts = texts_of(request)
        raise PageError(404, texts.gettext("Page not found"))
    answer = await apis_of(request).raw(
        "review",
        "GET",
        f"/meetings/{meeting_id}/minutes",
        token=viewer.token,
        params={"format": format, "language": language},
    )
    filename = f"minutes-{meeting_id}-{language}.{MINUTES_FORMATS[format]}"
    return Response(
        answer.content,
        media_type=answer.headers.get("content-type", "application/octet-stream"),
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "private, no-store",
        },
    )
