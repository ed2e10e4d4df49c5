"""Reward proposals ("Palkitsemisehdotukset"): those waiting for my decision and all I may see,
each with its idea, amount, recipients (as the reward service shows them to me) and its approval
chain step by step; one proposal's page, where the waiting step is approved or rejected (with a
reason). The service decides who may: its refusals are shown naming the rule."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.responses import RedirectResponse, Response

from ideapaja_portal.apis import ServiceError
from ideapaja_portal.web.award_views import (
    DECIDERS,
    STATUSES,
    described,
    not_yours,
    refused,
    rule_message,
    steps,
    with_trails,
)
from ideapaja_portal.web.context import (
    AWARD_READERS,
    CsrfProtected,
    Viewer,
    apis_of,
    render,
    texts_of,
    with_role,
)
from ideapaja_portal.web.forms import GENERAL

router = APIRouter(include_in_schema=False)

AwardReader = Annotated[Viewer, Depends(with_role(*AWARD_READERS))]
AwardId = Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{1,64}$", description="The award's id")]
Cursor = Annotated[str | None, Query(max_length=200, description="Next page's cursor")]
Reason = Annotated[str, Form(max_length=2000)]
REASON_MAX = 200  # the reward service's limit
PER_PAGE = 20


@router.get("/awards")
async def awards(
    request: Request,
    viewer: AwardReader,
    status: Annotated[str, Query(max_length=20, description="Only proposals in this status")] = "",
    cursor: Cursor = None,
) -> Response:
    apis = apis_of(request)
    status = status if status in STATUSES else ""
    waiting, page = await asyncio.gather(
        apis.call(
            "reward",
            "GET",
            "/awards",
            token=viewer.token,
            params={"awaiting": "me", "limit": PER_PAGE},
        ),
        apis.call(
            "reward",
            "GET",
            "/awards",
            token=viewer.token,
            params={"status": status, "limit": PER_PAGE, "cursor": cursor},
        ),
    )
    mine, every = await asyncio.gather(
        with_trails(apis, viewer, waiting), with_trails(apis, viewer, page)
    )
    return render(
        request,
        "awards.html",
        {
            "waiting": waiting,
            "waiting_awards": mine,
            "page": page,
            "all_awards": every,
            "status": status,
            "statuses": STATUSES,
            "steps": steps,
            **await described(apis, viewer, mine + every),
        },
    )


async def _award_page(
    request: Request,
    viewer: Viewer,
    award_id: str,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    apis = apis_of(request)
    award = await apis.call("reward", "GET", f"/awards/{award_id}", token=viewer.token)
    waiting: dict[str, Any] = {"items": []}
    if award["status"] == "pending":
        waiting = await apis.call(
            "reward",
            "GET",
            "/awards",
            token=viewer.token,
            params={"awaiting": "me", "idea_id": award["idea_id"], "limit": 100},
        )
    blocked = not_yours(viewer, award)
    return render(
        request,
        "award.html",
        {
            "award": award,
            "steps": steps(award),
            "awaiting_me": any(item["id"] == award_id for item in waiting["items"]),
            "may_decide": award["status"] == "pending" and viewer.has_any(*DECIDERS),
            "not_yours": rule_message(texts_of(request), blocked, award) if blocked else None,
            "errors": errors or {},
            "values": values or {},
            "done": request.query_params.get("done", ""),
            "proposed": request.query_params.get("proposed") == "1",
            **await described(apis, viewer, [award]),
        },
        status_code=status_code,
    )


@router.get("/awards/{award_id}")
async def award(request: Request, viewer: AwardReader, award_id: AwardId) -> Response:
    return await _award_page(request, viewer, award_id)


async def _decide(
    request: Request, viewer: Viewer, award_id: str, decision: str, reason: str
) -> Response:
    """Approve or reject the waiting step; back to the proposal, or why the service refused."""
    texts = texts_of(request)
    field = "note" if decision == "approval" else "reason"
    reason = reason.strip()
    errors: dict[str, str] = {}
    if len(reason) > REASON_MAX:
        errors[field] = texts.gettext("At most %(count)s characters.", count=REASON_MAX)
    elif decision == "rejection" and not reason:
        errors[field] = texts.gettext("Say why it is rejected: the proposer reads it.")
    status = 422
    if not errors:
        apis = apis_of(request)
        try:
            await apis.call(
                "reward",
                "POST",
                f"/awards/{award_id}/{decision}",
                token=viewer.token,
                json={"reason": reason or None},
            )
        except ServiceError as exc:
            award = await apis.call("reward", "GET", f"/awards/{award_id}", token=viewer.token)
            errors = refused(texts, exc, field, rule_field=GENERAL, award=award)
            status = exc.status
        else:
            done = "approved" if decision == "approval" else "rejected"
            return RedirectResponse(f"/awards/{award_id}?done={done}", status_code=303)
    values = {field: reason, "decision": decision}
    return await _award_page(
        request, viewer, award_id, errors=errors, values=values, status_code=status
    )


@router.post("/awards/{award_id}/approve", dependencies=[CsrfProtected])
async def approve(
    request: Request, viewer: AwardReader, award_id: AwardId, note: Reason = ""
) -> Response:
    return await _decide(request, viewer, award_id, "approval", note)


@router.post("/awards/{award_id}/reject", dependencies=[CsrfProtected])
async def reject(
    request: Request, viewer: AwardReader, award_id: AwardId, reason: Reason = ""
) -> Response:
    return await _decide(request, viewer, award_id, "rejection", reason)
