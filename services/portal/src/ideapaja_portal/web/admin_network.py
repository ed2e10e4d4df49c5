"""The change-agent network (review's /change-agents, /units-without-reviewers, /workload): who
screens ideas in which unit (HR's roles and an admin's assignments), their workload, the units
nobody screens in (highlighted: their ideas fall to the department), and an admin assigning a
person picked by name (intake's GET /people, as the idea form's co-author picker) or removing an
assignment (HR's roles are HR's to change)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import RedirectResponse, Response

from ideapaja_portal.apis import ServiceError
from ideapaja_portal.web.admin import (
    ID_PATTERN,
    Admin,
    Cursor,
    Typed,
    find_people,
    gathered,
    names_of,
    units_of,
)
from ideapaja_portal.web.context import CsrfProtected, Viewer, apis_of, render, texts_of
from ideapaja_portal.web.forms import last_field_messages

router = APIRouter(include_in_schema=False)

UnitId = Annotated[str, Path(pattern=ID_PATTERN, description="The unit's id")]
PersonId = Annotated[str, Path(pattern=ID_PATTERN, description="The person's id")]
FormId = Annotated[str, Form(max_length=64)]
NETWORK_PER_PAGE = 50


async def _network_page(
    request: Request,
    viewer: Viewer,
    *,
    typed: str = "",
    cursor: str | None = None,
    errors: dict[str, str] | None = None,
    chosen: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    apis = apis_of(request)
    network, uncovered, workload, units, found = await gathered(
        apis.call(
            "review", "GET", "/change-agents", token=viewer.token,
            params={"limit": NETWORK_PER_PAGE, "cursor": cursor},
        ),
        apis.every_item("review", "/units-without-reviewers", token=viewer.token),
        apis.every_item("review", "/workload", token=viewer.token),
        units_of(request, viewer),
        find_people(request, viewer, typed),
    )  # fmt: skip
    people = {m["person_id"] for m in network["items"]} | {w["person_id"] for w in workload}
    unit_names = {
        u["id"]: {"fi": u.get("name_fi"), "sv": u.get("name_sv"), "en": u.get("name_en")}
        for u in units
    }
    return render(
        request,
        "admin_change_agents.html",
        {
            "network": network,
            "uncovered": uncovered,
            "workload": workload,
            "units": [u for u in units if u.get("kind") == "unit"],
            "unit_names": unit_names,
            "names": await names_of(request, viewer, people),
            "found": found,
            "typed": typed,
            "errors": errors or {},
            "chosen": chosen or {},
            "added": request.query_params.get("added", ""),
            "removed": request.query_params.get("removed", ""),
        },
        status_code=status_code,
    )


@router.get("/admin/change-agents")
async def change_agents(
    request: Request, viewer: Admin, q: Typed = "", cursor: Cursor = None
) -> Response:
    return await _network_page(request, viewer, typed=q, cursor=cursor)


@router.post("/admin/change-agents", dependencies=[CsrfProtected])
async def assign(
    request: Request,
    viewer: Admin,
    unit_id: FormId = "",
    person_id: FormId = "",
    role: Annotated[Literal["change_agent", "supervisor"], Form()] = "change_agent",
    q: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """Assign the person picked by name to the unit; what review refuses comes back beside the
    field it concerns, with the search and the choices kept."""
    texts = texts_of(request)
    body: dict[str, Any] = {"unit_id": unit_id, "person_id": person_id, "role": role}
    chosen = {"unit_id": unit_id, "person_id": person_id, "role": role}
    if not person_id:
        errors = {"person_id": texts.gettext("Find the person by name and choose them.")}
        return await _network_page(
            request, viewer, typed=q, errors=errors, chosen=chosen, status_code=422
        )
    try:
        await apis_of(request).call(
            "review", "POST", "/change-agents", token=viewer.token, json=body
        )
    except ServiceError as exc:
        errors = last_field_messages(texts, exc)
        return await _network_page(
            request, viewer, typed=q, errors=errors, chosen=chosen, status_code=422
        )
    return RedirectResponse(f"/admin/change-agents?added={person_id}", status_code=303)


@router.post("/admin/change-agents/{unit_id}/{person_id}/remove", dependencies=[CsrfProtected])
async def unassign(
    request: Request, viewer: Admin, unit_id: UnitId, person_id: PersonId
) -> Response:
    await apis_of(request).call(
        "review", "DELETE", f"/change-agents/{unit_id}/{person_id}", token=viewer.token
    )
    return RedirectResponse(f"/admin/change-agents?removed={person_id}", status_code=303)
