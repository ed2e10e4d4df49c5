"""The signed-in person's notification settings: for each kind of message, whether it is
e-mailed at once, in a daily or weekly digest, or not at all (the notification service's
``/preferences/me``; what may be chosen and the defaults are its)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from ideapaja_portal.apis import ServiceError
from ideapaja_portal.i18n import N_
from ideapaja_portal.web.context import CsrfProtected, SignedIn, apis_of, render, texts_of

router = APIRouter(include_in_schema=False)
PATH = "/settings/notifications"
PREFERENCES = "/preferences/me"
FREQUENCIES = ("immediately", "daily", "weekly", "off")
FREQUENCY_NAMES = {
    "immediately": N_("At once"),
    "daily": N_("Daily digest"),
    "weekly": N_("Weekly digest"),
    "off": N_("No e-mail"),
}
# The kinds in the order a person thinks of them: their own ideas first, then their work.
KIND_NAMES = {
    "idea_received": N_("My idea was received"),
    "idea_screening_started": N_("Screening of my idea started"),
    "idea_needs_info": N_("A question about my idea"),
    "idea_accepted": N_("My idea was accepted"),
    "idea_rejected": N_("My idea was not taken forward"),
    "idea_duplicate": N_("My idea was merged with another"),
    "idea_forwarded": N_("My idea was forwarded"),
    "idea_commented": N_("A comment on my idea"),
    "experiment_started": N_("An experiment of my idea started"),
    "experiment_completed": N_("An experiment of my idea ended"),
    "idea_implemented": N_("My idea was implemented"),
    "practice_published": N_("My idea became a good practice"),
    "practice_adopted": N_("Another unit adopted my practice"),
    "reward_granted": N_("A reward for me"),
    "periodic_award_won": N_("My idea won an award"),
    "supported_idea_decided": N_("A decision on an idea I support"),
    "supported_idea_implemented": N_("An idea I support was implemented"),
    "case_to_screen": N_("An idea to screen on my work list"),
    "case_to_review": N_("An idea to review on my work list"),
    "case_escalated": N_("A case past its deadline"),
    "case_deadline_near": N_("A deadline near on my work list"),
    "info_provided": N_("An answer to my question"),
    "award_awaiting_approval": N_("A reward proposal awaiting my approval"),
    "meeting_scheduled": N_("An invitation to a committee meeting"),
    "scoring_opened": N_("Scoring opened for a committee item"),
    "minutes_published": N_("Minutes of a committee meeting"),
    "unit_practice_adopted": N_("Another unit adopted my unit's practice"),
}
_ORDER = {kind: n for n, kind in enumerate(KIND_NAMES)}


def _rows(items: list[dict[str, Any]], chosen: dict[str, str]) -> list[dict[str, Any]]:
    """The service's kinds as rows, in our order (a kind we have no name for yet, last)."""
    rows = [
        {**item, "selected": chosen.get(item["kind"], item["frequency"])}
        for item in items
        if isinstance(item, dict) and item.get("kind")
    ]
    return sorted(rows, key=lambda row: (_ORDER.get(row["kind"], len(_ORDER)), row["kind"]))


async def _page(
    request: Request,
    viewer: Any,
    *,
    chosen: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    current = await apis_of(request).call("notification", "GET", PREFERENCES, token=viewer.token)
    return render(
        request,
        "notification_settings.html",
        {
            "rows": _rows(current.get("kinds", []), chosen or {}),
            "frequencies": FREQUENCIES,
            "frequency_names": FREQUENCY_NAMES,
            "kind_names": KIND_NAMES,
            "errors": errors or {},
            "saved": request.query_params.get("saved") == "1",
        },
        status_code=status_code,
    )


@router.get(PATH)
async def notification_settings(request: Request, viewer: SignedIn) -> Response:
    return await _page(request, viewer)


@router.post(PATH, dependencies=[CsrfProtected])
async def save_notification_settings(request: Request, viewer: SignedIn) -> Response:
    """Save the choices: one that equals the default means "follow the default" (so a new
    role's default applies later), the others are the person's own."""
    form = await request.form()
    current = await apis_of(request).call("notification", "GET", PREFERENCES, token=viewer.token)
    defaults = {item["kind"]: item["default"] for item in current.get("kinds", [])}
    chosen = {
        kind: str(form[kind])
        for kind in defaults
        if kind in form and str(form[kind]) in FREQUENCIES
    }
    changes = {kind: None if value == defaults[kind] else value for kind, value in chosen.items()}
    try:
        await apis_of(request).call(
            "notification", "PUT", PREFERENCES, token=viewer.token, json={"preferences": changes}
        )
    except ServiceError as exc:
        if exc.status != 422:
            raise
        texts = texts_of(request)
        mandatory = texts.gettext("This kind of message asks you to act: it cannot be turned off.")
        other = texts.gettext("Choose one of the options.")
        errors = {
            field.removeprefix("preferences."): mandatory if kind == "cannot_turn_off" else other
            for field, kind in exc.field_errors.items()
        }
        return await _page(request, viewer, chosen=chosen, errors=errors, status_code=422)
    return RedirectResponse(f"{PATH}?saved=1", status_code=303)
