"""Periodic awards: idea of the month, idea of the year and unit of the year (the reward
service's award rounds). Everyone sees the rounds and nominates (an idea found by searching its
words, never by a typed id; a unit picked from HR's units); committee members vote and change
their vote; the chair (a committee member in the management group) or an admin decides, and the
winner is shown on the round's page. Who may do what is the reward service's policy: the pages
only offer it, and a refusal comes back as a sentence beside the form it concerns."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import RedirectResponse, Response

from ideapaja_portal.apis import Apis, ServiceError
from ideapaja_portal.i18n import N_, Texts
from ideapaja_portal.web.context import (
    CsrfProtected,
    SignedIn,
    Viewer,
    apis_of,
    city_today,
    render,
    texts_of,
)
from ideapaja_portal.web.forms import GENERAL, field_messages

router = APIRouter(include_in_schema=False)

ID = r"^[A-Za-z0-9_-]{1,64}$"
RoundId = Annotated[str, Path(pattern=ID, description="The award round's id")]
Choice = Annotated[str, Form(max_length=64)]
Text = Annotated[str, Form(max_length=1000)]
KINDS = ("idea_of_the_month", "idea_of_the_year", "unit_of_the_year")
STATUSES = ("open", "decided")
KIND_LABELS = {
    "idea_of_the_month": N_("Idea of the month"),
    "idea_of_the_year": N_("Idea of the year"),
    "unit_of_the_year": N_("Unit of the year"),
}
# Who the reward service lets open rounds and vote (award_rounds.open, award_rounds.vote).
OPENERS = ("committee_member", "admin")
VOTERS = ("committee_member",)
FOUND_IDEAS = 10
PERIOD = re.compile(r"^(\d{4})(?:-(\d{2}))?$")

REFUSALS = {
    # (form, status) → the sentence; 409s and 403s say no more than that to a program.
    ("nomination", 409): N_("You have nominated this one in this round already: once per round."),
    ("vote", 409): N_("Your vote could not be saved: reload the page and vote again."),
    ("open", 409): N_("This award already has a round for that period: open it from the list."),
    ("decision", 403): N_(
        "The round is decided by the committee's chair (a committee member in the management "
        "group) or an administrator."
    ),
    ("vote", 403): N_("Only the development committee's members vote."),
    ("open", 403): N_("Rounds are opened by the development committee's members."),
}
DECIDED = N_("The round has been decided: it takes no more nominations or votes.")
FIELD_REFUSALS = {
    ("nomination", "idea_id"): N_(
        "Only an idea submitted during the round's period can be nominated (a new idea can take "
        "a moment to reach the award service)."
    ),
    ("nomination", "unit_id"): N_("Choose one of the city's units."),
    ("vote", "idea_id"): N_("Vote for one of the nominated ideas."),
    ("vote", "unit_id"): N_("Vote for one of the nominated or ranked units."),
    ("decision", "idea_id"): N_(
        "The vote is tied, or nobody has voted: choose the winner yourself."
    ),
    ("decision", "unit_id"): N_(
        "The vote is tied, or nobody has voted: choose the winner yourself."
    ),
    ("open", "period"): N_(
        "Write the period as 2026-11 for the idea of the month, or as 2026 for the awards of a "
        "year."
    ),
}


def refusal_messages(
    texts: Texts, form: str, error: ServiceError, round_: dict[str, Any] | None
) -> dict[str, str]:
    """The reward service's refusal of ``form`` as sentences, by field (``_form``: the whole)."""
    if error.status == 409 and round_ is not None and round_["status"] == "decided":
        return {GENERAL: texts.gettext(DECIDED)}
    sentence = REFUSALS.get((form, error.status))
    if sentence is not None:
        return {GENERAL: texts.gettext(sentence)}
    found = field_messages(texts, error)
    for field in error.field_errors:
        known = FIELD_REFUSALS.get((form, field))
        if known is not None:
            found[field] = texts.gettext(known)
    return found


def decides(viewer: Viewer) -> bool:
    """The reward service's rule for deciding a round: an admin, or a committee member who also
    holds the management role (the committee's chair)."""
    return "admin" in viewer.roles or {"committee_member", "management"} <= viewer.roles


def period_days(period: str) -> tuple[date, date] | None:
    """The first and last day of ``2026-11`` or ``2026``; None for anything else."""
    found = PERIOD.match(period)
    if found is None:
        return None
    year, month = int(found[1]), int(found[2] or 0)
    if not month:
        return date(year, 1, 1), date(year, 12, 31)
    if not 1 <= month <= 12:
        return None
    following = date(year + month // 12, month % 12 + 1, 1)
    return date(year, month, 1), following - timedelta(days=1)


def choice_field(round_: dict[str, Any]) -> str:
    return "unit_id" if round_["kind"] == "unit_of_the_year" else "idea_id"


async def found_ideas(
    apis: Apis, viewer: Viewer, round_: dict[str, Any], words: str
) -> list[dict[str, Any]] | None:
    """Ideas matching ``words`` submitted around the round's period (intake's dates are UTC days,
    the period the city's: a day's margin each side; the award service has the last word); None
    when nothing was searched."""
    days = period_days(round_["period"])
    if not words.strip() or days is None:
        return None
    page = await apis.call(
        "intake",
        "GET",
        "/public/ideas",
        token=viewer.token,
        params={
            "q": words.strip(),
            "submitted_from": (days[0] - timedelta(days=1)).isoformat(),
            "submitted_to": (days[1] + timedelta(days=1)).isoformat(),
            "limit": FOUND_IDEAS,
        },
    )
    items: list[dict[str, Any]] = page["items"]
    return items


def candidate_labels(
    round_: dict[str, Any], names_of_units: dict[str, str]
) -> tuple[dict[str, str], list[str]]:
    """What each candidate is called (an idea's title, a unit's name), and whom a member may vote
    for: the nominated, then (unit of the year) the ranked units nobody nominated."""
    if choice_field(round_) == "idea_id":
        labels = {c["idea_id"]: c["title"] or "" for c in round_["candidates"]}
        return labels, list(labels)
    options = [c["unit_id"] for c in round_["candidates"]]
    options += [r["unit_id"] for r in round_["ranking"]]
    return names_of_units, list(dict.fromkeys(options))


def unit_names(texts: Texts, units: list[dict[str, Any]]) -> dict[str, str]:
    return {
        unit["id"]: texts.localized(
            {code: unit.get(f"name_{code}") or "" for code in ("fi", "sv", "en")}
        )
        for unit in units
    }


@router.get("/award-rounds")
async def rounds(
    request: Request,
    viewer: SignedIn,
    status: Annotated[str, Query(max_length=10, description="open or decided")] = "",
    cursor: Annotated[str | None, Query(max_length=500, description="The next page")] = None,
) -> Response:
    return await _rounds_page(request, viewer, status, cursor)


async def _rounds_page(
    request: Request,
    viewer: Viewer,
    status: str = "",
    cursor: str | None = None,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    status_code: int = 422,
) -> Response:
    params = {"status": status if status in STATUSES else None, "limit": 20, "cursor": cursor}
    page = await apis_of(request).call(
        "reward", "GET", "/award-rounds", token=viewer.token, params=params
    )
    month = city_today(request).strftime("%Y-%m")
    return render(
        request,
        "award_rounds.html",
        {
            "page": page,
            "status": status if status in STATUSES else "",
            "kinds": KINDS,
            "kind_labels": KIND_LABELS,
            "may_open": viewer.has_any(*OPENERS),
            "values": values or {"kind": KINDS[0], "period": month},
            "errors": errors or {},
        },
        status_code=status_code if errors else 200,
    )


@router.post("/award-rounds", dependencies=[CsrfProtected])
async def open_round(
    request: Request,
    viewer: SignedIn,
    kind: Annotated[str, Form(max_length=30)] = "",
    period: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    texts = texts_of(request)
    values = {"kind": kind, "period": period.strip()}
    errors: dict[str, str] = {}
    status = 422
    if kind not in KINDS:
        errors["kind"] = texts.gettext("Choose one of the options.")
    if period_days(values["period"]) is None:
        errors["period"] = texts.gettext(FIELD_REFUSALS["open", "period"])
    if not errors:
        try:
            opened = await apis_of(request).call(
                "reward", "POST", "/award-rounds", token=viewer.token, json=values
            )
        except ServiceError as exc:
            errors = refusal_messages(texts, "open", exc, None)
            status = exc.status
        else:
            return RedirectResponse(f"/award-rounds/{opened['id']}?done=opened", 303)
    return await _rounds_page(request, viewer, errors=errors, values=values, status_code=status)


@router.get("/award-rounds/{round_id}")
async def award_round(
    request: Request,
    viewer: SignedIn,
    round_id: RoundId,
    q: Annotated[str, Query(max_length=200, description="Words of the idea to nominate")] = "",
) -> Response:
    return await _round_page(request, viewer, round_id, words=q)


async def _round_page(
    request: Request,
    viewer: Viewer,
    round_id: str,
    *,
    words: str = "",
    failed: str = "",
    refused: ServiceError | None = None,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    apis = apis_of(request)
    texts = texts_of(request)
    round_ = await apis.call("reward", "GET", f"/award-rounds/{round_id}", token=viewer.token)
    for_units = round_["kind"] == "unit_of_the_year"
    units: list[dict[str, Any]] = []
    ideas: list[dict[str, Any]] | None = None
    if for_units:
        units = await apis.every_item("intake", "/units", token=viewer.token)
    elif round_["status"] == "open":
        ideas = await found_ideas(apis, viewer, round_, words)
    if refused is not None:
        errors = refusal_messages(texts, failed, refused, round_)
    labels, vote_options = candidate_labels(round_, unit_names(texts, units))
    return render(
        request,
        "award_round.html",
        {
            "round": round_,
            "kind_labels": KIND_LABELS,
            "field": choice_field(round_),
            "units": [u for u in units if u.get("kind") != "department"] if for_units else [],
            "unit_names": unit_names(texts, units),
            "labels": labels,
            "vote_options": vote_options,
            "ideas": ideas,
            "q": words,
            "is_open": round_["status"] == "open",
            "may_vote": viewer.has_any(*VOTERS),
            "may_decide": decides(viewer),
            "failed": failed,
            "errors": errors or {},
            "values": values or {},
        },
        status_code=(refused.status if refused is not None else 422) if errors else 200,
    )


async def _send(
    request: Request,
    viewer: Viewer,
    round_id: str,
    form: str,
    call: tuple[str, str, dict[str, Any]],
    values: dict[str, str],
    errors: dict[str, str] | None = None,
) -> Response:
    """Send a round's form to the reward service; back to the round, or the form with why not
    (a nomination's search shown again, so the idea is still there to pick)."""
    words = values.get("q", "")
    if not errors:
        method, path, body = call
        try:
            await apis_of(request).call("reward", method, path, token=viewer.token, json=body)
        except ServiceError as exc:
            return await _round_page(
                request, viewer, round_id, words=words, failed=form, refused=exc, values=values
            )
        return RedirectResponse(f"/award-rounds/{round_id}?done={form}", 303)
    return await _round_page(
        request, viewer, round_id, words=words, failed=form, errors=errors, values=values
    )


def _candidate(field: str, candidate: str) -> dict[str, str]:
    return {field: candidate} if re.match(ID, candidate) else {}


@router.post("/award-rounds/{round_id}/nominations", dependencies=[CsrfProtected])
async def nominate(
    request: Request,
    viewer: SignedIn,
    round_id: RoundId,
    field: Annotated[str, Form(max_length=10)] = "idea_id",
    candidate: Choice = "",
    reason: Text = "",
    q: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    texts = texts_of(request)
    field = "unit_id" if field == "unit_id" else "idea_id"
    errors: dict[str, str] = {}
    if not _candidate(field, candidate):
        errors[field] = texts.gettext("Choose one of the options.")
    if not reason.strip():
        errors["reason"] = texts.gettext("This field is required.")
    body = {**_candidate(field, candidate), "reason": reason}
    call = ("POST", f"/award-rounds/{round_id}/nominations", body)
    values = {"candidate": candidate, "reason": reason, "q": q}
    return await _send(request, viewer, round_id, "nomination", call, values, errors)


@router.post("/award-rounds/{round_id}/votes", dependencies=[CsrfProtected])
async def vote(
    request: Request,
    viewer: SignedIn,
    round_id: RoundId,
    field: Annotated[str, Form(max_length=10)] = "idea_id",
    candidate: Choice = "",
) -> Response:
    """Cast or change the member's one vote (PUT …/votes/mine does both)."""
    field = "unit_id" if field == "unit_id" else "idea_id"
    errors = {}
    if not _candidate(field, candidate):
        errors[field] = texts_of(request).gettext("Choose one of the options.")
    call = ("PUT", f"/award-rounds/{round_id}/votes/mine", _candidate(field, candidate))
    return await _send(request, viewer, round_id, "vote", call, {"candidate": candidate}, errors)


@router.post("/award-rounds/{round_id}/decision", dependencies=[CsrfProtected])
async def decide(
    request: Request,
    viewer: SignedIn,
    round_id: RoundId,
    field: Annotated[str, Form(max_length=10)] = "idea_id",
    candidate: Choice = "",
    note: Text = "",
) -> Response:
    """Name the winner, or (no candidate chosen) award the one with the most votes."""
    field = "unit_id" if field == "unit_id" else "idea_id"
    body = {**_candidate(field, candidate), "note": note}
    call = ("POST", f"/award-rounds/{round_id}/decision", body)
    values = {"candidate": candidate, "note": note}
    return await _send(request, viewer, round_id, "decision", call, values)
