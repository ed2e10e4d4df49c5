"""The incentive rules (reward's /rules, /rules/versions): the set in force shown readably (points
per outcome, the idea's unit's points, caps, team mode), every earlier version with who put it in
force, when and why, and an admin saving a new version with a required reason. The form carries
the version it was made on, so a version another admin saved meanwhile is a 409 said as a
sentence instead of being undone unseen."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from ideapaja_portal.apis import ServiceError
from ideapaja_portal.web.admin import Admin, Cursor, gathered, names_of
from ideapaja_portal.web.context import CsrfProtected, Viewer, apis_of, render, texts_of
from ideapaja_portal.web.forms import message_of

router = APIRouter(include_in_schema=False)

# The outcomes a rule set prices (reward's Outcome), in the order of an idea's life.
OUTCOMES = (
    "submitted",
    "accepted",
    "experiment_started",
    "experiment_scaled",
    "implemented",
    "practice_adopted",
    "support_received",
    "comment_answered",
)
UNIT_OUTCOMES = ("practice_adopted",)
PER_EVENT = ("support_received", "comment_answered")
PERIODS = ("month", "quarter", "year")
TEAM_MODES = ("shared", "split")
REASON_MAX = 500
# The form's fields in its order (for the summary of what to fix at its top).
FORM_ORDER = (
    *(f"points-{o}" for o in OUTCOMES),
    *(f"unit_points-{o}" for o in UNIT_OUTCOMES),
    "cap_period",
    "cap_points",
    *(f"cap_per_idea-{o}" for o in PER_EVENT),
    "team_mode",
    "reason",
)
VERSIONS_PER_PAGE = 20
WHOLE = re.compile(r"^-?\d{1,9}$")


def _number(form: FormData, name: str, errors: dict[str, str], texts: Any) -> int | None:
    """A whole number typed in the form (blank: none). Its range is reward's to say."""
    typed = str(form.get(name) or "").strip().replace("\u00a0", "").replace(" ", "")
    if not typed:
        return None
    if not WHOLE.match(typed):
        errors[name] = texts.gettext("Give a whole number.")
        return None
    return int(typed)


def rules_from(form: FormData, texts: Any) -> tuple[dict[str, Any], dict[str, str]]:
    """The whole rule set the form describes (reward takes a whole set, not a change), and what
    the portal could not read as numbers."""
    errors: dict[str, str] = {}

    def numbers(prefix: str, keys: tuple[str, ...]) -> dict[str, int]:
        found = {key: _number(form, f"{prefix}-{key}", errors, texts) for key in keys}
        return {key: value for key, value in found.items() if value is not None}

    rules: dict[str, Any] = {
        "points": numbers("points", OUTCOMES),
        "unit_points": numbers("unit_points", UNIT_OUTCOMES),
        "cap_per_idea": numbers("cap_per_idea", PER_EVENT),
        "team_mode": form.get("team_mode") if form.get("team_mode") in TEAM_MODES else "shared",
    }
    cap = _number(form, "cap_points", errors, texts)
    period = form.get("cap_period")
    if period in PERIODS or cap is not None:
        # Half a cap (a period without points, or points without a period) is reward's 422.
        rules["cap_per_person"] = {"period": period or None, "points": cap}
    return rules, errors


def form_field(field: str) -> str:
    """The form's input for a field reward names: ``rules.points.submitted`` →
    ``points-submitted``, ``rules.cap_per_person.points`` → ``cap_points``."""
    parts = field.split(".")
    if parts[0] == "rules":
        parts = parts[1:]
    if parts[:1] == ["cap_per_person"]:
        return "cap_period" if parts[1:2] == ["period"] else "cap_points"
    if len(parts) >= 2 and parts[0] in ("points", "unit_points", "cap_per_idea"):
        return f"{parts[0]}-{parts[1]}"
    return parts[0] if parts and parts[0] in ("reason", "team_mode") else "_form"


def values_of(rules: dict[str, Any]) -> dict[str, Any]:
    """The form's values for a rule set."""
    values: dict[str, Any] = {"team_mode": rules.get("team_mode", "shared")}
    for prefix in ("points", "unit_points", "cap_per_idea"):
        for key, points in (rules.get(prefix) or {}).items():
            values[f"{prefix}-{key}"] = points
    cap = rules.get("cap_per_person") or {}
    values["cap_period"], values["cap_points"] = cap.get("period"), cap.get("points")
    return values


async def _rules_page(
    request: Request,
    viewer: Viewer,
    *,
    cursor: str | None = None,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    apis = apis_of(request)
    current, versions = await gathered(
        apis.call("reward", "GET", "/rules", token=viewer.token),
        apis.call(
            "reward", "GET", "/rules/versions", token=viewer.token,
            params={"limit": VERSIONS_PER_PAGE, "cursor": cursor},
        ),
    )  # fmt: skip
    names = await names_of(
        request, viewer, {v["created_by"] for v in versions["items"]} - {"settings"}
    )
    return render(
        request,
        "admin_reward_rules.html",
        {
            "current": current,
            "versions": versions,
            "names": names,
            "values": values if values is not None else values_of(current["rules"]),
            "errors": errors or {},
            "outcomes": OUTCOMES,
            "unit_outcomes": UNIT_OUTCOMES,
            "per_event": PER_EVENT,
            "periods": PERIODS,
            "team_modes": TEAM_MODES,
            "order": FORM_ORDER,
            "saved": request.query_params.get("saved", ""),
        },
        status_code=status_code,
    )


@router.get("/admin/reward-rules")
async def reward_rules(
    request: Request,
    viewer: Admin,
    cursor: Cursor = None,
    saved: Annotated[str, Query(max_length=10, description="The version just saved")] = "",
) -> Response:
    return await _rules_page(request, viewer, cursor=cursor)


@router.post("/admin/reward-rules", dependencies=[CsrfProtected])
async def save_reward_rules(request: Request, viewer: Admin) -> Response:
    texts = texts_of(request)
    form = await request.form()
    rules, errors = rules_from(form, texts)
    reason = str(form.get("reason") or "").strip()[:REASON_MAX]
    based_on = str(form.get("based_on") or "")
    values = {
        **{k: str(v) for k, v in form.items() if k not in ("csrf_token",)},
        "reason": reason,
    }
    if not reason:
        errors["reason"] = texts.gettext("Say why the rules change.")
    if errors:
        return await _rules_page(request, viewer, values=values, errors=errors, status_code=422)
    body: dict[str, Any] = {"rules": rules, "reason": reason}
    if based_on.isdigit():
        body["based_on"] = int(based_on)
    try:
        saved = await apis_of(request).call(
            "reward", "POST", "/rules/versions", token=viewer.token, json=body
        )
    except ServiceError as exc:
        if exc.status == 409:
            errors["_form"] = texts.gettext(
                "Someone else saved new reward rules while you were editing. Your change was not "
                "saved: the rules in force now are shown below; make your change on them."
            )
            # Their version, not the form's: the admin sees what is in force now.
            return await _rules_page(request, viewer, errors=errors, status_code=409)
        if exc.status != 422:
            raise
        for field, kind in exc.field_errors.items():
            errors.setdefault(form_field(field), message_of(texts, kind))
        if not errors:
            errors["_form"] = texts.gettext("Check the form: something in it was not accepted.")
        return await _rules_page(request, viewer, values=values, errors=errors, status_code=422)
    return RedirectResponse(f"/admin/reward-rules?saved={saved['version']}", status_code=303)
