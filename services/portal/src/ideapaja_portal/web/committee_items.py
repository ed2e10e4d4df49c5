"""One item of a meeting's agenda: the scoring form built from the committee's rubric, declaring a
conflict of interest, the item's evaluation (weighted mean, quorum), the chair's decision with its
rationale, and deferring the item to a later meeting."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from ideapaja_portal.apis import Apis, ServiceError
from ideapaja_portal.web.co_authors import names_of
from ideapaja_portal.web.committee import CommitteeViewer, Id, organises, role_in
from ideapaja_portal.web.context import CsrfProtected, Viewer, apis_of, render, texts_of
from ideapaja_portal.web.forms import top_field_messages

router = APIRouter(include_in_schema=False)

Text = Annotated[str, Form(max_length=5000)]
DECISIONS = ("accepted", "rejected", "needs_info")
VOTING = ("chair", "member")
MAX_SCORE = 5


async def _case(apis: Apis, viewer: Viewer, case_id: str) -> dict[str, Any] | None:
    """The item's case, or None for one the viewer may not read (management follows meetings
    without reading every case)."""
    try:
        case: dict[str, Any] = await apis.call(
            "review", "GET", f"/cases/{case_id}", token=viewer.token
        )
    except ServiceError as exc:
        if exc.status not in (403, 404):
            raise
        return None
    return case


async def _item_page(
    request: Request,
    viewer: Viewer,
    meeting_id: str,
    case_id: str,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    failed: str = "",
) -> Response:
    apis = apis_of(request)
    token = viewer.token
    # What does not depend on another answer is asked at once (the page waits for the slowest).
    meeting, evaluation, case = await asyncio.gather(
        apis.call("review", "GET", f"/meetings/{meeting_id}", token=token),
        apis.call("review", "GET", f"/meetings/{meeting_id}/items/{case_id}", token=token),
        _case(apis, viewer, case_id),
    )
    people = [s["person_id"] for s in evaluation["scores"]]
    people += [c["person_id"] for c in evaluation["conflicts"]]
    committee, names = await asyncio.gather(
        apis.call("review", "GET", f"/committees/{meeting['committee_id']}", token=token),
        names_of(apis, viewer, people),
    )
    item = next((i for i in meeting["agenda"] if i["id"] == case_id), None)
    my_role = role_in(committee, viewer)
    me = viewer.person_id
    open_item = meeting["status"] == "planned" and evaluation["status"] == "pending"
    conflicted = {c["person_id"] for c in evaluation["conflicts"]}
    mine = next((s for s in evaluation["scores"] if s["person_id"] == me), None)
    return render(
        request,
        "agenda_item.html",
        {
            "meeting": meeting,
            "committee": committee,
            "item": item,
            "case": case,
            "evaluation": evaluation,
            "names": names,
            "my_role": my_role,
            "may_score": open_item and my_role in VOTING and me in evaluation["eligible_ids"],
            "may_declare": open_item and my_role is not None and me not in conflicted,
            "conflicted": me in conflicted,
            "may_decide": open_item and (my_role == "chair" or "admin" in viewer.roles),
            "may_defer": open_item and organises(committee, viewer),
            "my_scores": (mine or {}).get("scores") or {},
            "my_comment": (mine or {}).get("comment") or "",
            "score_range": range(MAX_SCORE + 1),
            "decisions": DECISIONS,
            "errors": errors or {},
            "values": values or {},
            "failed": failed,
        },
        status_code=422 if errors else 200,
    )


@router.get("/meetings/{meeting_id}/items/{case_id}")
async def agenda_item(
    request: Request, viewer: CommitteeViewer, meeting_id: Id, case_id: Id
) -> Response:
    return await _item_page(request, viewer, meeting_id, case_id)


async def _send(
    request: Request,
    viewer: Viewer,
    meeting_id: str,
    case_id: str,
    form: str,
    call: tuple[str, str, dict[str, Any]],
    values: dict[str, Any],
    errors: dict[str, str] | None = None,
) -> Response:
    """Send the item's form to review; back to the item, or the form with what to fix."""
    texts = texts_of(request)
    method, path, body = call
    if not errors:
        try:
            await apis_of(request).call("review", method, path, token=viewer.token, json=body)
        except ServiceError as exc:
            if exc.status == 422:
                errors = top_field_messages(texts, exc)
            elif exc.status == 409 and form == "decision":
                errors = {
                    "_form": texts.gettext(
                        "The committee cannot decide yet: fewer members have scored the item "
                        "than its quorum needs."
                    )
                }
            else:
                raise
    if errors:
        return await _item_page(
            request, viewer, meeting_id, case_id, errors=errors, values=values, failed=form
        )
    return RedirectResponse(f"/meetings/{meeting_id}/items/{case_id}?done={form}", 303)


@router.post("/meetings/{meeting_id}/items/{case_id}/scores", dependencies=[CsrfProtected])
async def score(request: Request, viewer: CommitteeViewer, meeting_id: Id, case_id: Id) -> Response:
    form = await request.form()
    meeting = await apis_of(request).call(
        "review", "GET", f"/meetings/{meeting_id}", token=viewer.token
    )
    texts = texts_of(request)
    scores: dict[str, int] = {}
    errors: dict[str, str] = {}
    for criterion in meeting["criteria"]:
        key = criterion["key"]
        value = form.get(f"score_{key}")
        if isinstance(value, str) and value.isdigit() and int(value) <= MAX_SCORE:
            scores[key] = int(value)
        else:
            errors[f"score_{key}"] = texts.gettext("Choose a score from 0 to 5.")
    comment = form.get("comment")
    comment = comment[:5000] if isinstance(comment, str) else ""
    values = {"scores": scores, "comment": comment}
    path = f"/meetings/{meeting_id}/items/{case_id}/scores/me"
    call = ("PUT", path, {"scores": scores, "comment": comment})
    return await _send(request, viewer, meeting_id, case_id, "scores", call, values, errors)


@router.post("/meetings/{meeting_id}/items/{case_id}/conflicts", dependencies=[CsrfProtected])
async def declare_conflict(
    request: Request, viewer: CommitteeViewer, meeting_id: Id, case_id: Id, reason: Text = ""
) -> Response:
    values = {"reason": reason}
    path = f"/meetings/{meeting_id}/items/{case_id}/conflicts"
    return await _send(
        request, viewer, meeting_id, case_id, "conflict", ("POST", path, values), values
    )


@router.post("/meetings/{meeting_id}/items/{case_id}/decision", dependencies=[CsrfProtected])
async def decide(
    request: Request,
    viewer: CommitteeViewer,
    meeting_id: Id,
    case_id: Id,
    decision: Annotated[str, Form(max_length=20)] = "",
    rationale: Text = "",
) -> Response:
    values = {"decision": decision, "rationale": rationale}
    errors = {}
    if decision not in DECISIONS:
        errors["decision"] = texts_of(request).gettext("Choose one of the options.")
    path = f"/meetings/{meeting_id}/items/{case_id}/decision"
    call = ("POST", path, values)
    return await _send(request, viewer, meeting_id, case_id, "decision", call, values, errors)


@router.post("/meetings/{meeting_id}/items/{case_id}/deferral", dependencies=[CsrfProtected])
async def defer(
    request: Request, viewer: CommitteeViewer, meeting_id: Id, case_id: Id, reason: Text = ""
) -> Response:
    values = {"reason": reason}
    path = f"/meetings/{meeting_id}/items/{case_id}/deferral"
    return await _send(
        request, viewer, meeting_id, case_id, "deferral", ("POST", path, values), values
    )
