"""Committees (review's /committees): an admin creates one, adds members picked by name (intake's
GET /people), changes their roles (chair, secretary, member) and removes them. The committee's
own work (meetings, agendas, scoring) is on the committee pages."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import RedirectResponse, Response

from ideapaja_portal.apis import ServiceError
from ideapaja_portal.web.admin import ID_PATTERN, Admin, Typed, find_people, names_of
from ideapaja_portal.web.context import CsrfProtected, Viewer, apis_of, render, texts_of
from ideapaja_portal.web.forms import last_field_messages, number_or_text

router = APIRouter(include_in_schema=False)

CommitteeId = Annotated[str, Path(pattern=ID_PATTERN, description="The committee's id")]
PersonId = Annotated[str, Path(pattern=ID_PATTERN, description="The person's id")]
MemberRole = Literal["chair", "secretary", "member"]
MEMBER_ROLES = ("member", "secretary", "chair")


async def _committees_page(
    request: Request,
    viewer: Viewer,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    committees = await apis_of(request).every_item("review", "/committees", token=viewer.token)
    return render(
        request,
        "admin_committees.html",
        {
            "committees": committees,
            "errors": errors or {},
            "values": values or {"quorum": 3},
        },
        status_code=status_code,
    )


@router.get("/admin/committees")
async def committees(request: Request, viewer: Admin) -> Response:
    return await _committees_page(request, viewer)


@router.post("/admin/committees", dependencies=[CsrfProtected])
async def create_committee(
    request: Request,
    viewer: Admin,
    name: Annotated[str, Form(max_length=200)] = "",
    quorum: Annotated[str, Form(max_length=10)] = "",
    city_wide: Annotated[bool, Form()] = False,
) -> Response:
    # Review says what is wrong with the quorum (a whole number, 1 to 50).
    typed = quorum.strip()
    body = {"name": name.strip(), "quorum": number_or_text(typed) if typed else None,
            "city_wide": city_wide}  # fmt: skip
    try:
        created = await apis_of(request).call(
            "review",
            "POST",
            "/committees",
            token=viewer.token,
            json={k: v for k, v in body.items() if v is not None},
        )
    except ServiceError as exc:
        return await _committees_page(
            request,
            viewer,
            errors=last_field_messages(texts_of(request), exc),
            values=body,
            status_code=422,
        )
    return RedirectResponse(f"/admin/committees/{created['id']}?created=1", status_code=303)


async def _committee_page(
    request: Request,
    viewer: Viewer,
    committee_id: str,
    *,
    typed: str = "",
    errors: dict[str, str] | None = None,
    chosen: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    committee = await apis_of(request).call(
        "review", "GET", f"/committees/{committee_id}", token=viewer.token
    )
    names = await names_of(request, viewer, {m["person_id"] for m in committee["members"]})
    return render(
        request,
        "admin_committee.html",
        {
            "committee": committee,
            "names": names,
            "found": await find_people(request, viewer, typed),
            "typed": typed,
            "errors": errors or {},
            "chosen": chosen or {},
            "member_roles": MEMBER_ROLES,
            "done": request.query_params.get("done", ""),
            "created": request.query_params.get("created", ""),
        },
        status_code=status_code,
    )


@router.get("/admin/committees/{committee_id}")
async def committee(
    request: Request, viewer: Admin, committee_id: CommitteeId, q: Typed = ""
) -> Response:
    return await _committee_page(request, viewer, committee_id, typed=q)


@router.post("/admin/committees/{committee_id}/members", dependencies=[CsrfProtected])
async def set_member(
    request: Request,
    viewer: Admin,
    committee_id: CommitteeId,
    person_id: Annotated[str, Form(pattern=r"^$|" + ID_PATTERN)] = "",
    role: Annotated[MemberRole, Form()] = "member",
    q: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """Add the person picked by name, or change a member's role."""
    if not person_id:
        texts = texts_of(request)
        errors = {"person_id": texts.gettext("Find the person by name and choose them.")}
        return await _committee_page(
            request, viewer, committee_id, typed=q, errors=errors,
            chosen={"role": role}, status_code=422,
        )  # fmt: skip
    try:
        await apis_of(request).call(
            "review",
            "PUT",
            f"/committees/{committee_id}/members/{person_id}",
            token=viewer.token,
            json={"role": role},
        )
    except ServiceError as exc:
        errors = last_field_messages(texts_of(request), exc)
        return await _committee_page(
            request, viewer, committee_id, typed=q, errors=errors,
            chosen={"person_id": person_id, "role": role}, status_code=422,
        )  # fmt: skip
    return RedirectResponse(f"/admin/committees/{committee_id}?done={person_id}", status_code=303)


@router.post(
    "/admin/committees/{committee_id}/members/{person_id}/remove", dependencies=[CsrfProtected]
)
async def remove_member(
    request: Request, viewer: Admin, committee_id: CommitteeId, person_id: PersonId
) -> Response:
    await apis_of(request).call(
        "review", "DELETE", f"/committees/{committee_id}/members/{person_id}", token=viewer.token
    )
    return RedirectResponse(f"/admin/committees/{committee_id}?removed=1", status_code=303)
