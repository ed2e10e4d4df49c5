"""After an idea is accepted, on its case page: start an experiment and record its results and
outcome (scale, adjust or stop), start the implementation with milestones, report progress,
complete it with the benefit realised, and publish it as a good practice. Each form posts here;
a refused form comes back with the service's reasons beside its fields."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import RedirectResponse, Response

from ideapaja_portal.apis import ServiceError
from ideapaja_portal.web.context import CsrfProtected, apis_of, texts_of
from ideapaja_portal.web.forms import top_field_messages
from ideapaja_portal.web.work import CaseId, Reviewer, _case_page

router = APIRouter(include_in_schema=False)

ExperimentId = Annotated[
    str, Path(pattern=r"^[A-Za-z0-9_-]{1,64}$", description="The experiment's id")
]
Short = Annotated[str, Form(max_length=200)]
Text = Annotated[str, Form(max_length=5000)]
Day = Annotated[str, Form(max_length=10)]
Refs = Annotated[list[str], Form(max_length=50)]


async def _post(
    request: Request,
    viewer: Reviewer,
    case_id: str,
    form: str,
    path: str,
    body: dict[str, Any],
    values: dict[str, Any],
    *,
    errors: dict[str, str] | None = None,
) -> Response:
    """Send ``body`` to review; back to the case page, or the form again with what to fix."""
    texts = texts_of(request)
    if not errors:
        try:
            await apis_of(request).call("review", "POST", path, token=viewer.token, json=body)
        except ServiceError as exc:
            errors = top_field_messages(texts, exc)
    if errors:
        return await _case_page(request, viewer, case_id, errors=errors, values=values, failed=form)
    return RedirectResponse(f"/work/cases/{case_id}?done={form}", status_code=303)


def _day(value: str) -> str | None:
    try:
        return dt.date.fromisoformat(value).isoformat()
    except ValueError:
        return None


@router.post("/work/cases/{case_id}/experiments", dependencies=[CsrfProtected])
async def start_experiment(
    request: Request,
    viewer: Reviewer,
    case_id: CaseId,
    pilot_unit_ids: Refs = [],  # noqa: B006 - FastAPI copies form defaults
    hypothesis: Text = "",
    measure: Short = "",
    baseline: Short = "",
    starts_on: Day = "",
    ends_on: Day = "",
) -> Response:
    values = {
        "pilot_unit_ids": pilot_unit_ids,
        "hypothesis": hypothesis,
        "measure": measure,
        "baseline": baseline,
        "starts_on": starts_on,
        "ends_on": ends_on,
    }
    texts = texts_of(request)
    errors = {
        name: texts.gettext("Give a date.")
        for name, value in (("starts_on", starts_on), ("ends_on", ends_on))
        if _day(value) is None
    }
    if not pilot_unit_ids:
        errors["pilot_unit_ids"] = texts.gettext("Choose at least one unit.")
    body = {**values, "starts_on": _day(starts_on), "ends_on": _day(ends_on)}
    path = f"/cases/{case_id}/experiments"
    return await _post(request, viewer, case_id, "experiment", path, body, values, errors=errors)


@router.post(
    "/work/cases/{case_id}/experiments/{experiment_id}/completion", dependencies=[CsrfProtected]
)
async def complete_experiment(
    request: Request,
    viewer: Reviewer,
    case_id: CaseId,
    experiment_id: ExperimentId,
    result: Text = "",
    measured_value: Short = "",
    outcome: Annotated[str, Form(max_length=10)] = "",
    lesson: Text = "",
) -> Response:
    values = {
        "result": result,
        "measured_value": measured_value,
        "outcome": outcome,
        "lesson": lesson,
    }
    errors = {}
    if outcome not in ("scale", "adjust", "stop"):
        errors["outcome"] = texts_of(request).gettext("Choose one of the options.")
    path = f"/cases/{case_id}/experiments/{experiment_id}/completion"
    return await _post(request, viewer, case_id, "results", path, values, values, errors=errors)


@router.post("/work/cases/{case_id}/implementation", dependencies=[CsrfProtected])
async def start_implementation(
    request: Request,
    viewer: Reviewer,
    case_id: CaseId,
    owner_id: Annotated[str, Form(max_length=64)] = "",
    planned_benefit: Text = "",
    milestone_title: Annotated[list[str], Form(max_length=50)] = [],  # noqa: B006
    milestone_due: Annotated[list[str], Form(max_length=50)] = [],  # noqa: B006
) -> Response:
    values: dict[str, Any] = {
        "owner_id": owner_id,
        "planned_benefit": planned_benefit,
        "milestone_title": milestone_title,
        "milestone_due": milestone_due,
    }
    milestones = []
    for index, title in enumerate(milestone_title):
        if title.strip():
            due = milestone_due[index] if index < len(milestone_due) else ""
            milestones.append({"title": title.strip()[:200], "due_on": _day(due)})
    body = {"owner_id": owner_id, "planned_benefit": planned_benefit, "milestones": milestones}
    path = f"/cases/{case_id}/implementation"
    return await _post(request, viewer, case_id, "implementation", path, body, values)


@router.post("/work/cases/{case_id}/implementation/progress", dependencies=[CsrfProtected])
async def report_progress(
    request: Request,
    viewer: Reviewer,
    case_id: CaseId,
    percent: Annotated[str, Form(max_length=3)] = "",
    milestones_done: Refs = [],  # noqa: B006
    note: Text = "",
) -> Response:
    values = {"percent": percent, "milestones_done": milestones_done, "note": note}
    errors = {}
    if not percent.isdigit() or not 0 <= int(percent) <= 100:
        errors["percent"] = texts_of(request).gettext("Give a whole number from 0 to 100.")
    body = {
        "percent": int(percent) if not errors else 0,
        "milestones_done": milestones_done,
        "note": note,
    }
    path = f"/cases/{case_id}/implementation/progress"
    return await _post(request, viewer, case_id, "progress", path, body, values, errors=errors)


@router.post("/work/cases/{case_id}/implementation/completion", dependencies=[CsrfProtected])
async def complete_implementation(
    request: Request, viewer: Reviewer, case_id: CaseId, realised_benefit: Text = ""
) -> Response:
    values = {"realised_benefit": realised_benefit}
    path = f"/cases/{case_id}/implementation/completion"
    return await _post(request, viewer, case_id, "completion", path, values, values)


@router.post("/work/cases/{case_id}/practice", dependencies=[CsrfProtected])
async def publish_practice(
    request: Request, viewer: Reviewer, case_id: CaseId, title: Short = "", summary: Text = ""
) -> Response:
    values = {"title": title, "summary": summary}
    path = f"/cases/{case_id}/practice"
    return await _post(request, viewer, case_id, "practice", path, values, values)
