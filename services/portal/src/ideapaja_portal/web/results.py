"""What the whole city may learn from: experiments with their results, and good practices with the
units that adopted them ("my unit adopted this", reported by the unit's supervisor or change
agent)."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import RedirectResponse, Response

from ideapaja_portal.apis import ServiceError
from ideapaja_portal.i18n import OUTCOME_LABELS
from ideapaja_portal.web.context import CsrfProtected, SignedIn, Viewer, apis_of, render, texts_of
from ideapaja_portal.web.forms import top_field_messages

router = APIRouter(include_in_schema=False)

Id = Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{1,64}$", description="An id")]
Cursor = Annotated[str | None, Query(max_length=200, description="Next page's cursor")]
EXPERIMENT_STATUSES = ("running", "completed")


def unit_names(units: list[dict[str, Any]]) -> dict[str, dict[str, str]]:
    """Unit id → its names in fi/sv/en (for ``t.localized``)."""
    return {
        unit["id"]: {"fi": unit["name_fi"], "sv": unit["name_sv"], "en": unit["name_en"]}
        for unit in units
    }


@router.get("/experiments")
async def experiments(
    request: Request,
    viewer: SignedIn,
    status: Annotated[str, Query(max_length=20, description="running or completed")] = "",
    outcome: Annotated[str, Query(max_length=20, description="scale, adjust or stop")] = "",
    cursor: Cursor = None,
) -> Response:
    status = status if status in EXPERIMENT_STATUSES else ""
    outcome = outcome if outcome in OUTCOME_LABELS else ""
    page = await apis_of(request).call(
        "review",
        "GET",
        "/experiments",
        token=viewer.token,
        params={"status": status, "outcome": outcome, "limit": 20, "cursor": cursor},
    )
    return render(
        request,
        "experiments.html",
        {
            "page": page,
            "status": status,
            "outcome": outcome,
            "statuses": EXPERIMENT_STATUSES,
        },
    )


@router.get("/experiments/{experiment_id}")
async def experiment(request: Request, viewer: SignedIn, experiment_id: Id) -> Response:
    apis = apis_of(request)
    found, units = await asyncio.gather(
        apis.call("review", "GET", f"/experiments/{experiment_id}", token=viewer.token),
        apis.every_item("intake", "/units", token=viewer.token),
    )
    return render(request, "experiment.html", {"e": found, "unit_names": unit_names(units)})


@router.get("/practices")
async def practices(request: Request, viewer: SignedIn, cursor: Cursor = None) -> Response:
    page = await apis_of(request).call(
        "review", "GET", "/practices", token=viewer.token, params={"limit": 20, "cursor": cursor}
    )
    return render(request, "practices.html", {"page": page})


async def _practice_page(
    request: Request,
    viewer: Viewer,
    practice_id: str,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    apis = apis_of(request)
    found, units = await asyncio.gather(
        apis.call("review", "GET", f"/practices/{practice_id}", token=viewer.token),
        apis.every_item("intake", "/units", token=viewer.token),
    )
    names = unit_names(units)
    # Its own unit implemented it; the others adopt it once.
    adopted = {found["unit_id"], *(a["unit_id"] for a in found["adoptions"])}
    # A supervisor or change agent reports for their own units (an admin for any).
    mine = sorted(names) if "admin" in viewer.roles else sorted(viewer.unit_ids)
    return render(
        request,
        "practice.html",
        {
            "p": found,
            "unit_names": names,
            "my_units": [u for u in mine if u in names and u not in adopted],
            "errors": errors or {},
            "values": values or {},
        },
        status_code=422 if errors else 200,
    )


@router.get("/practices/{practice_id}")
async def practice(request: Request, viewer: SignedIn, practice_id: Id) -> Response:
    return await _practice_page(request, viewer, practice_id)


@router.post("/practices/{practice_id}/adoptions", dependencies=[CsrfProtected])
async def adopt(
    request: Request,
    viewer: SignedIn,
    practice_id: Id,
    unit_id: Annotated[str, Form(max_length=64)] = "",
    note: Annotated[str, Form(max_length=5000)] = "",
) -> Response:
    values = {"unit_id": unit_id, "note": note}
    texts = texts_of(request)
    if not unit_id:
        errors = {"unit_id": texts.gettext("Choose one of the options.")}
        return await _practice_page(request, viewer, practice_id, errors=errors, values=values)
    try:
        await apis_of(request).call(
            "review",
            "POST",
            f"/practices/{practice_id}/adoptions",
            token=viewer.token,
            json=values,
        )
    except ServiceError as exc:
        errors = top_field_messages(texts, exc)
        return await _practice_page(request, viewer, practice_id, errors=errors, values=values)
    return RedirectResponse(f"/practices/{practice_id}?done=adopted", status_code=303)
