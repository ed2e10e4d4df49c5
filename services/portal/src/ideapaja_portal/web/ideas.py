"""An employee's ideas: submitting one (with similar ideas suggested while typing), following it
(the status timeline and the reviewers' rationale), answering the reviewers' question, and
browsing and searching what colleagues have proposed."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Path, Query, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from ideapaja_portal.apis import Apis, ServiceError
from ideapaja_portal.web import attachments, co_authors, drafts
from ideapaja_portal.web.award_views import proposes
from ideapaja_portal.web.context import (
    CsrfProtected,
    SignedIn,
    Viewer,
    apis_of,
    render,
    texts_of,
)
from ideapaja_portal.web.forms import field_messages, one_field_messages

router = APIRouter(include_in_schema=False)

IdeaId = Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{1,64}$", description="The idea's id")]
Cursor = Annotated[str | None, Query(max_length=200, description="Next page's cursor")]
Short = Annotated[str, Form(max_length=200)]
Long = Annotated[str, Form(max_length=5000)]
SCOPES = ("unit", "department", "city")
# Ideas nobody proposes a reward for (yet, or any more).
UNREWARDED = ("draft", "withdrawn", "duplicate")
STATUSES = (
    "submitted",
    "screening",
    "in_review",
    "needs_info",
    "accepted",
    "rejected",
    "experiment",
    "implementing",
    "implemented",
)


async def _choices(request: Request, viewer: Viewer) -> dict[str, Any]:
    apis = apis_of(request)
    units, categories = await asyncio.gather(
        apis.every_item("intake", "/units", token=viewer.token),
        apis.call("intake", "GET", "/categories", token=viewer.token),
    )
    mine = [unit for unit in units if unit["id"] in viewer.unit_ids]
    return {"units": units, "my_units": mine, "categories": categories["categories"]}


@router.get("/ideas/new")
async def new_idea(
    request: Request,
    viewer: SignedIn,
    draft: Annotated[
        str | None, Query(pattern=r"^[A-Za-z0-9_-]{1,64}$", description="A draft to go on with")
    ] = None,
) -> Response:
    values: dict[str, Any] = {
        "scope": "unit",
        "unit_id": next(iter(sorted(viewer.unit_ids)), ""),
        "language": texts_of(request).language,
    }
    if draft:
        saved = await apis_of(request).call("intake", "GET", f"/drafts/{draft}", token=viewer.token)
        values = {**values, **saved["content"], "draft_id": saved["id"]}
    return await _form(request, viewer, values)


async def _form(
    request: Request,
    viewer: Viewer,
    values: dict[str, Any],
    *,
    errors: dict[str, str] | None = None,
    typed: str = "",
    status_code: int = 200,
) -> Response:
    """The idea form with ``values`` (co-authors by name) and, when the person searched for a
    colleague without JavaScript, the matches as checkboxes."""
    apis = apis_of(request)
    chosen = co_authors.chosen_ids(values.get("co_author_ids") or [])
    found = None
    if values.get("searching"):
        found = await co_authors.search(apis, viewer, typed, chosen, limit=20)
    context = {
        **await _choices(request, viewer),
        "values": values,
        "errors": errors or {},
        "co_authors": await co_authors.named(apis, viewer, chosen),
        "typed": typed,
        "found": found,
        "searching": bool(values.get("searching")),
    }
    return render(request, "idea_form.html", context, status_code=status_code)


@router.post("/ideas/new", dependencies=[CsrfProtected])
async def submit_idea(
    request: Request,
    viewer: SignedIn,
    title: Short = "",
    problem: Long = "",
    solution: Long = "",
    benefit: Annotated[str, Form(max_length=2000)] = "",
    scope: Annotated[str, Form(max_length=20)] = "unit",
    unit_id: Annotated[str, Form(max_length=64)] = "",
    team_unit_id: Annotated[str, Form(max_length=64)] = "",
    category: Annotated[str, Form(max_length=40)] = "",
    language: Annotated[str, Form(max_length=8)] = "fi",
    anonymous: Annotated[str | None, Form(max_length=8)] = None,
    draft_id: Annotated[str, Form(max_length=64, pattern=r"^[A-Za-z0-9_-]*$")] = "",
    action: Annotated[str, Form(max_length=20)] = "send",
    attachment: Annotated[UploadFile | None, File()] = None,
    co_author_ids: Annotated[list[str], Form()] = [],  # noqa: B006 - FastAPI copies defaults
    co_author_q: Annotated[str, Form(max_length=co_authors.QUERY_MAX)] = "",
    remove_co_author: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    """Send the idea (with an optional attachment), keep it as a draft to finish later, or
    (without JavaScript) search for co-authors or remove one and show the form again."""
    values: dict[str, Any] = {
        "title": title,
        "problem": problem,
        "solution": solution,
        "benefit": benefit,
        "scope": scope,
        "unit_id": unit_id,
        "team_unit_id": team_unit_id or None,
        "category": category or None,
        "language": language,
        "anonymous": anonymous is not None,
        "co_author_ids": co_authors.chosen_ids(co_author_ids, removed=remove_co_author),
    }
    if remove_co_author or action == "find_co_authors":
        values.update(draft_id=draft_id, searching=action == "find_co_authors")
        return await _form(request, viewer, values, typed=co_author_q)
    apis = apis_of(request)
    try:
        if action == "draft":
            await drafts.save(apis, viewer, draft_id, values)
            return RedirectResponse("/my/ideas?saved=1", status_code=303)
        if draft_id:
            created = await drafts.submit(apis, viewer, draft_id, values)
        else:
            created = await apis.call("intake", "POST", "/ideas", token=viewer.token, json=values)
    except ServiceError as exc:
        errors = field_messages(texts_of(request), exc, typed=values)
        values["draft_id"] = draft_id
        return await _form(request, viewer, values, errors=errors, status_code=422)
    suffix = ""
    if attachment is not None and attachment.filename:
        attached = await attachments.upload(apis, viewer, created["id"], attachment)
        suffix = "" if attached else "&attachment=refused"
    return RedirectResponse(f"/ideas/{created['id']}?sent=1{suffix}", status_code=303)


@router.get("/ideas/similar")
async def similar_ideas(
    request: Request,
    viewer: SignedIn,
    title: Annotated[str, Query(max_length=200, description="What is typed so far")] = "",
    problem: Annotated[str, Query(max_length=5000, description="What is typed so far")] = "",
) -> Response:
    """The suggestions box of the idea form (HTMX fetches it while the person types)."""
    text = f"{title} {problem}".strip()[:500]
    items: list[dict[str, Any]] = []
    if len(text) >= 3:
        try:
            page = await apis_of(request).call(
                "intake", "GET", "/ideas/similar", token=viewer.token, params={"text": text}
            )
            items = page["items"]
        except ServiceError as exc:
            if exc.status == 401:
                raise
    return render(request, "partials/similar.html", {"similar": items})


@router.get("/my/ideas")
async def my_ideas(request: Request, viewer: SignedIn, cursor: Cursor = None) -> Response:
    apis = apis_of(request)
    page, saved = await asyncio.gather(
        apis.call(
            "intake",
            "GET",
            "/ideas",
            token=viewer.token,
            params={"mine": "true", "limit": 20, "cursor": cursor},
        ),
        apis.call("intake", "GET", "/drafts", token=viewer.token, params={"limit": 20}),
    )
    return render(
        request,
        "my_ideas.html",
        {"page": page, "drafts": saved["items"], "saved": request.query_params.get("saved")},
    )


@router.get("/ideas")
async def browse(
    request: Request,
    viewer: SignedIn,
    q: Annotated[str, Query(max_length=200, description="Words to search for")] = "",
    status: Annotated[str, Query(max_length=20, description="Only ideas in this status")] = "",
    scope: Annotated[str, Query(max_length=20, description="Only ideas of this scope")] = "",
    cursor: Cursor = None,
) -> Response:
    params = {
        "q": q.strip() or None,
        "status": status if status in STATUSES else None,
        "scope": scope if scope in SCOPES else None,
        "limit": 20,
        "cursor": cursor,
    }
    page = await apis_of(request).call(
        "intake", "GET", "/public/ideas", token=viewer.token, params=params
    )
    return render(
        request,
        "browse.html",
        {"page": page, "q": q, "status": status, "scope": scope, "statuses": STATUSES},
    )


async def read_idea(apis: Apis, viewer: Viewer, idea_id: str) -> tuple[dict[str, Any], bool]:
    """The idea as the person may read it (its authors and reviewers: in full; others: as
    colleagues see it), and whether it is their own."""
    try:
        record = await apis.call("intake", "GET", f"/ideas/{idea_id}", token=viewer.token)
    except ServiceError as exc:
        if exc.status not in (403, 404):
            raise
        # Not theirs to manage: the idea as colleagues see it.
        record = await apis.call("intake", "GET", f"/public/ideas/{idea_id}", token=viewer.token)
        return record, False
    return record, viewer.person_id in (record.get("author_ids") or [])


@router.get("/ideas/{idea_id}")
async def idea(request: Request, viewer: SignedIn, idea_id: IdeaId) -> Response:
    return await _idea_page(request, viewer, idea_id)


async def _idea_page(
    request: Request, viewer: Viewer, idea_id: str, errors: dict[str, str] | None = None
) -> Response:
    apis = apis_of(request)
    record, own = await read_idea(apis, viewer, idea_id)
    author_ids = record.get("author_ids") or []
    # Everything else at once (the page waits for the slowest answer, not for their sum);
    # authors and invited colleagues by name in one call (intake names only people still in
    # the city's service).
    review, comments, people, rewards = await asyncio.gather(
        _review_of(apis, viewer, idea_id) if own else _nothing(),
        apis.call(
            "intake", "GET", f"/ideas/{idea_id}/comments", token=viewer.token, params={"limit": 50}
        ),
        co_authors.named(apis, viewer, [*author_ids, *(record.get("invited_ids") or [])]),
        _reward_proposals(apis, viewer, idea_id),
    )
    authors, invited = people[: len(author_ids)], people[len(author_ids) :]
    return render(
        request,
        "idea.html",
        {
            "idea": record,
            "own": own,
            "authors": authors,
            "invited": invited,
            "invited_me": viewer.person_id in (record.get("invited_ids") or []),
            "joined": request.query_params.get("joined") == "1",
            "review": review,
            "comments": comments,
            "sent": request.query_params.get("sent") == "1",
            "attachment_refused": request.query_params.get("attachment") == "refused",
            "errors": errors or {},
            "rewards": rewards,
            "proposes_rewards": record.get("status") not in UNREWARDED
            and proposes(viewer, record.get("unit_id")),
        },
        status_code=422 if errors else 200,
    )


async def _nothing() -> None:
    return None


async def _review_of(apis: Apis, viewer: Viewer, idea_id: str) -> Any:
    """The review of the author's own idea (None while review has none, or does not answer)."""
    try:
        return await apis.call("review", "GET", f"/ideas/{idea_id}/review", token=viewer.token)
    except ServiceError as exc:
        if exc.status not in (403, 404, 503):
            raise
        return None


async def _reward_proposals(apis: Apis, viewer: Viewer, idea_id: str) -> list[Any] | None:
    """The idea's reward proposals for those who follow awards (None: not for them, or the
    reward service does not answer: the idea's page does not depend on it)."""
    if not viewer.follows_awards:
        return None
    try:
        page = await apis.call(
            "reward", "GET", "/awards", token=viewer.token, params={"idea_id": idea_id, "limit": 20}
        )
    except ServiceError as exc:
        if exc.status not in (403, 404, 503):
            raise
        return None
    items: list[Any] = page["items"]
    return items


@router.post("/ideas/{idea_id}/answer", dependencies=[CsrfProtected])
async def answer(
    request: Request, viewer: SignedIn, idea_id: IdeaId, answer: Long = ""
) -> Response:
    try:
        await apis_of(request).call(
            "review",
            "POST",
            f"/ideas/{idea_id}/answer",
            token=viewer.token,
            json={"answer": answer},
        )
    except ServiceError as exc:
        return await _idea_page(
            request, viewer, idea_id, one_field_messages("answer", texts_of(request), exc)
        )
    return RedirectResponse(f"/ideas/{idea_id}", status_code=303)


@router.post("/ideas/{idea_id}/support", dependencies=[CsrfProtected])
async def support(
    request: Request,
    viewer: SignedIn,
    idea_id: IdeaId,
    withdraw: Annotated[str | None, Form(max_length=8)] = None,
) -> Response:
    method = "DELETE" if withdraw else "POST"
    await apis_of(request).call("intake", method, f"/ideas/{idea_id}/support", token=viewer.token)
    return RedirectResponse(f"/ideas/{idea_id}", status_code=303)


@router.post("/ideas/{idea_id}/comments", dependencies=[CsrfProtected])
async def comment(
    request: Request,
    viewer: SignedIn,
    idea_id: IdeaId,
    body: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    try:
        await apis_of(request).call(
            "intake", "POST", f"/ideas/{idea_id}/comments", token=viewer.token, json={"body": body}
        )
    except ServiceError as exc:
        return await _idea_page(
            request, viewer, idea_id, one_field_messages("comment", texts_of(request), exc)
        )
    return RedirectResponse(f"/ideas/{idea_id}#comments", status_code=303)
