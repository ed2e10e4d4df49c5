"""Routing rules per department (review's /routing-rules): which roles screen and decide a unit's
and a department's ideas, whether ideas go to a committee, and the deadlines. A department's rule
stores only what differs from the city-wide ``default`` (which differs from the built-in rule);
the form leaves a field out when it is left blank ("as the rule below"), and review's validation
comes back beside the field it concerns."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from ideapaja_portal.apis import ServiceError
from ideapaja_portal.web.admin import ID_PATTERN, Admin, gathered, units_of
from ideapaja_portal.web.context import CsrfProtected, Viewer, apis_of, render, texts_of
from ideapaja_portal.web.forms import field_messages, message_of, number_or_text

router = APIRouter(include_in_schema=False)

DepartmentId = Annotated[
    str, Path(pattern=ID_PATTERN, description="A department's id, or 'default' for the city")
]
# The roles a rule may name (review's RoleName), in the order the form lists them.
RULE_ROLES = ("change_agent", "supervisor", "committee_member", "reward_approver", "management")
ROLE_FIELDS = (
    "unit_reviewer_roles",
    "unit_decider_roles",
    "department_reviewer_roles",
    "department_decider_roles",
)
SWITCHES = (
    "unit_falls_back_to_department",
    "department_includes_units",
    "department_ideas_to_committee",
    "city_decisions_in_meeting",
    "escalate",
)
DEADLINES = (
    "screening_days",
    "in_review_days",
    "experiment_report_days",
    "implementing_days",
    "escalation_days",
)
# Steps that may have no deadline at all (escalation levels always have one).
OPTIONAL_DEADLINES = DEADLINES[:-1]
FIELD_ORDER = (*ROLE_FIELDS, *SWITCHES, "committee_id", *DEADLINES)
MAX_TYPED = 10


def rule_body(form: FormData) -> dict[str, Any]:
    """What the form stores: only the fields the admin set. Days go as numbers where they are
    numbers: review says what is wrong with them (a whole number from 1 to 1830)."""
    body: dict[str, Any] = {}
    for name in ROLE_FIELDS:
        chosen = [str(v) for v in form.getlist(name) if v in RULE_ROLES]
        if chosen:
            body[name] = chosen
    for name in SWITCHES:
        value = form.get(name)
        if value in ("true", "false"):
            body[name] = value == "true"
    committee = str(form.get("committee_id") or "").strip()[:64]
    if committee:
        body["committee_id"] = committee
    deadlines: dict[str, int | str | None] = {}
    for name in DEADLINES:
        typed = str(form.get(name) or "").strip()[:MAX_TYPED]
        if form.get(f"no_{name}") and name in OPTIONAL_DEADLINES:
            deadlines[name] = None  # stored as "no deadline", unlike a blank (inherit)
        elif typed:
            deadlines[name] = number_or_text(typed)
    if deadlines:
        body["deadlines"] = deadlines
    return body


def form_field(field: str) -> str:
    """The form's input for a field review names (``deadlines.screening_days``,
    ``unit_reviewer_roles.0``)."""
    parts = [p for p in field.split(".") if p and not p.isdigit()]
    known = [p for p in parts if p in FIELD_ORDER]
    return known[-1] if known else "_form"


def typed_values(body: dict[str, Any]) -> dict[str, Any]:
    """The form's values from a stored rule (or what was sent): deadlines flattened, a step
    stored without a deadline as its "no deadline" box ticked."""
    values = {k: v for k, v in body.items() if k != "deadlines"}
    for name, days in (body.get("deadlines") or {}).items():
        values[name] = days
        if days is None:
            values[f"no_{name}"] = True
    return values


async def _rules_page(request: Request, viewer: Viewer) -> Response:
    apis = apis_of(request)
    units, stored, default, builtin = await gathered(
        units_of(request, viewer),
        apis.every_item("review", "/routing-rules", token=viewer.token),
        apis.call("review", "GET", "/routing-rules/default", token=viewer.token),
        apis.call("review", "GET", "/builtin-routing-rule", token=viewer.token),
    )
    by_department = {rule["id"]: rule for rule in stored}
    departments = [unit for unit in units if unit.get("kind") == "department"]
    known = {d["id"] for d in departments}
    # A rule for a department HR no longer lists still shows, by its id.
    departments += [{"id": d} for d in sorted(by_department) if d not in known | {"default"}]
    return render(
        request,
        "admin_routing.html",
        {
            "departments": departments,
            "rules": by_department,
            "default": default,
            "builtin": builtin,
            "saved": request.query_params.get("saved", ""),
        },
    )


@router.get("/admin/routing-rules")
async def routing_rules(request: Request, viewer: Admin) -> Response:
    return await _rules_page(request, viewer)


async def _rule_form(
    request: Request,
    viewer: Viewer,
    department_id: str,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    apis = apis_of(request)
    rule, committees, units = await gathered(
        apis.call("review", "GET", f"/routing-rules/{department_id}", token=viewer.token),
        apis.every_item("review", "/committees", token=viewer.token),
        units_of(request, viewer),
    )
    department = next((u for u in units if u["id"] == department_id), {"id": department_id})
    return render(
        request,
        "admin_routing_rule.html",
        {
            "rule": rule,
            "department": department,
            "committees": committees,
            "committee_names": {c["id"]: c["name"] for c in committees},
            "values": values if values is not None else typed_values(rule["stored"] or {}),
            "errors": errors or {},
            "roles": RULE_ROLES,
            "role_fields": ROLE_FIELDS,
            "switches": SWITCHES,
            "deadlines": DEADLINES,
            "optional_deadlines": OPTIONAL_DEADLINES,
            "order": FIELD_ORDER,
        },
        status_code=status_code,
    )


@router.get("/admin/routing-rules/{department_id}")
async def routing_rule(request: Request, viewer: Admin, department_id: DepartmentId) -> Response:
    return await _rule_form(request, viewer, department_id)


@router.post("/admin/routing-rules/{department_id}", dependencies=[CsrfProtected])
async def save_routing_rule(
    request: Request, viewer: Admin, department_id: DepartmentId
) -> Response:
    body = rule_body(await request.form())
    try:
        await apis_of(request).call(
            "review", "PUT", f"/routing-rules/{department_id}", token=viewer.token, json=body
        )
    except ServiceError as exc:
        if exc.status != 422:
            raise
        texts = texts_of(request)
        errors: dict[str, str] = {}
        for field, kind in exc.field_errors.items():
            errors.setdefault(form_field(field), message_of(texts, kind))
        errors = errors or field_messages(texts, exc)
        return await _rule_form(
            request, viewer, department_id, values=typed_values(body), errors=errors,
            status_code=422,
        )  # fmt: skip
    return RedirectResponse(f"/admin/routing-rules?saved={department_id}", status_code=303)


@router.post("/admin/routing-rules/{department_id}/remove", dependencies=[CsrfProtected])
async def remove_routing_rule(
    request: Request, viewer: Admin, department_id: DepartmentId
) -> Response:
    """The department follows the city-wide rule again (its stored rule is removed)."""
    try:
        await apis_of(request).call(
            "review", "DELETE", f"/routing-rules/{department_id}", token=viewer.token
        )
    except ServiceError as exc:
        if exc.status != 404:  # nothing stored: nothing to remove, as asked
            raise
    return RedirectResponse(f"/admin/routing-rules?saved={department_id}", status_code=303)
