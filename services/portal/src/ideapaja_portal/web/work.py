"""The change agent's and supervisor's work list, and deciding a case: screen it, ask the authors
for information, mark it a duplicate (the surviving idea picked from suggestions), forward it to
another unit, accept or reject it, always with a rationale the author will read."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.responses import RedirectResponse, Response

from ideapaja_portal.apis import ServiceError
from ideapaja_portal.web.case_follow_up import follow_up
from ideapaja_portal.web.context import CsrfProtected, Viewer, apis_of, render, texts_of, with_role
from ideapaja_portal.web.forms import field_messages

router = APIRouter(include_in_schema=False)

REVIEWER_ROLES = ("change_agent", "supervisor", "committee_member", "admin")
Reviewer = Annotated[Viewer, Depends(with_role(*REVIEWER_ROLES))]
CaseId = Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{1,64}$", description="The case's id")]
Cursor = Annotated[str | None, Query(max_length=200, description="Next page's cursor")]
Text = Annotated[str, Form(max_length=5000)]
Ref = Annotated[str, Form(max_length=64)]
DECISIONS = ("accepted", "rejected", "needs_info", "duplicate", "forwarded")
STATUSES = ("screening", "in_review", "decided")


@router.get("/work")
async def work_list(
    request: Request,
    viewer: Reviewer,
    status: Annotated[str, Query(max_length=20, description="Only cases in this status")] = "",
    cursor: Cursor = None,
) -> Response:
    page = await apis_of(request).call(
        "review",
        "GET",
        "/cases",
        token=viewer.token,
        params={
            "status": status if status in STATUSES else None,
            "limit": 20,
            "cursor": cursor,
        },
    )
    return render(request, "work.html", {"page": page, "status": status, "statuses": STATUSES})


async def _case_page(
    request: Request,
    viewer: Viewer,
    case_id: str,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    failed: str = "decide",
) -> Response:
    """The case page; after a refused form, ``failed`` names the form ``errors`` belong to."""
    apis = apis_of(request)
    case = await apis.call("review", "GET", f"/cases/{case_id}", token=viewer.token)
    text = f"{case['title']} {case.get('problem') or ''}"[:500]
    similar, units, after = await asyncio.gather(
        apis.call("intake", "GET", "/ideas/similar", token=viewer.token, params={"text": text}),
        apis.every_item("intake", "/units", token=viewer.token),
        follow_up(apis, viewer, case),
    )
    candidates = [item for item in similar["items"] if item["id"] != case["idea_id"]]
    return render(
        request,
        "case.html",
        {
            "case": case,
            "candidates": candidates,
            "units": units,
            "decisions": DECISIONS,
            "errors": errors or {},
            "values": values or {},
            "failed": failed if errors else "",
            **after,
        },
        status_code=422 if errors else 200,
    )


@router.get("/work/cases/{case_id}")
async def case(request: Request, viewer: Reviewer, case_id: CaseId) -> Response:
    return await _case_page(request, viewer, case_id)


@router.post("/work/cases/{case_id}/accept", dependencies=[CsrfProtected])
async def accept_for_review(
    request: Request, viewer: Reviewer, case_id: CaseId, note: Text = ""
) -> Response:
    await apis_of(request).call(
        "review",
        "POST",
        f"/cases/{case_id}/accept-for-review",
        token=viewer.token,
        json={"note": note},
    )
    return RedirectResponse(f"/work/cases/{case_id}?done=accepted", status_code=303)


@router.post("/work/cases/{case_id}/decision", dependencies=[CsrfProtected])
async def decide(
    request: Request,
    viewer: Reviewer,
    case_id: CaseId,
    decision: Annotated[str, Form(max_length=20)] = "",
    rationale: Text = "",
    question: Text = "",
    duplicate_of: Ref = "",
    forwarded_to_unit_id: Ref = "",
) -> Response:
    values = {
        "decision": decision,
        "rationale": rationale,
        "question": question,
        "duplicate_of": duplicate_of,
        "forwarded_to_unit_id": forwarded_to_unit_id,
    }
    texts = texts_of(request)
    if decision not in DECISIONS:
        errors = {"decision": texts.gettext("Choose one of the options.")}
        return await _case_page(request, viewer, case_id, errors=errors, values=values)
    body: dict[str, Any] = {"decision": decision, "rationale": rationale}
    if decision == "needs_info" and question.strip():
        body["question"] = question
    if decision == "duplicate":
        body["duplicate_of"] = duplicate_of or None
    if decision == "forwarded":
        body["forwarded_to_unit_id"] = forwarded_to_unit_id or None
    try:
        await apis_of(request).call(
            "review", "POST", f"/cases/{case_id}/decision", token=viewer.token, json=body
        )
    except ServiceError as exc:
        errors = field_messages(texts, exc)
        if "_form" in errors and decision in ("duplicate", "forwarded"):
            target = "duplicate_of" if decision == "duplicate" else "forwarded_to_unit_id"
            errors = {target: texts.gettext("Choose one of the options.")}
        return await _case_page(request, viewer, case_id, errors=errors, values=values)
    return RedirectResponse(f"/work/cases/{case_id}?done=decided", status_code=303)
