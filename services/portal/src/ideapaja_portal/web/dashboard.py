"""The management group's dashboard: the ideas funnel, time to decision, participation per 100
employees over time and per unit, experiments and their outcomes, and rewards — each a chart
with its table and a CSV download, by month, quarter or year.

The figures come from the services' reporting APIs (review's ``/reports/*``, reward's
``/activity`` and ``/grants/totals``), called with the person's own token: the service decides
what they may see (management and admins everything; a supervisor their units' participation),
and a figure the person may not see says so instead of its chart.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response

from ideapaja_portal.apis import ServiceError
from ideapaja_portal.i18n import Texts
from ideapaja_portal.web import dashboard_figures as build
from ideapaja_portal.web.context import (
    PageError,
    Viewer,
    apis_of,
    city_today,
    render,
    texts_of,
    with_role,
)
from ideapaja_portal.web.results import unit_names
from ideapaja_runtime.csv_export import csv_response

router = APIRouter(include_in_schema=False)
# Who see the dashboard at all; what each sees on it is the services' decision.
Overseer = Annotated[Viewer, Depends(with_role("management", "admin", "supervisor"))]
PeriodKind = Annotated[
    str, Query(pattern="^(month|quarter|year)$", description="month, quarter or year")
]
FigureKey = Annotated[str, Path(pattern="^(" + "|".join(build.KEYS) + ")$")]
# How many periods each chart shows.
PERIODS = {"month": 12, "quarter": 8, "year": 5}
CITY_WIDE = ("management", "admin", "hr")
# The answers each figure is made of.
NEEDS = {
    "funnel": ("funnel",),
    "decision-times": ("decision-times",),
    "experiments": ("experiments",),
    "participation": ("series",),
    "participation-units": ("activity", "units"),
    "rewards-kinds": ("totals",),
    "rewards-departments": ("totals", "units"),
}


def period_start(kind: str, today: date) -> date:
    """The first day of the period (of ``kind``) that today is in."""
    if kind == "year":
        return today.replace(month=1, day=1)
    if kind == "quarter":
        return today.replace(month=(today.month - 1) // 3 * 3 + 1, day=1)
    return today.replace(day=1)


async def _attempt(call: Awaitable[Any]) -> tuple[Any, int | None]:
    """A service's answer, or the status it refused with (a 401 signs the person in again)."""
    try:
        return await call, None
    except ServiceError as exc:
        if exc.status == 401:
            raise
        return None, exc.status


async def _answers(
    request: Request, viewer: Viewer, kind: str, wanted: set[str]
) -> dict[str, tuple[Any, int | None]]:
    apis, token = apis_of(request), viewer.token
    today = city_today(request)
    window = {"period": kind, "periods": PERIODS[kind], "at": str(today)}
    # A supervisor's participation is their unit's (reward refuses them the city's).
    own_unit = None if viewer.has_any(*CITY_WIDE) else min(viewer.unit_ids, default=None)
    calls: dict[str, Callable[[], Awaitable[Any]]] = {
        "funnel": lambda: apis.call("review", "GET", "/reports/funnel", token=token, params=window),
        "decision-times": lambda: apis.call(
            "review", "GET", "/reports/decision-times", token=token, params=window
        ),
        "experiments": lambda: apis.call(
            "review", "GET", "/reports/experiments", token=token, params=window
        ),
        "series": lambda: apis.call(
            "reward", "GET", "/activity/series", token=token, params={**window, "unit_id": own_unit}
        ),
        "activity": lambda: apis.call(
            "reward",
            "GET",
            "/activity",
            token=token,
            params={
                "period": kind,
                "at": str(today),
                "limit": 100,
                "level": "unit" if own_unit else "department",
                "unit_id": own_unit,
            },
        ),
        "totals": lambda: apis.call(
            "reward",
            "GET",
            "/grants/totals",
            token=token,
            params={"from": str(period_start(kind, today)), "to": str(today)},
        ),
        "units": lambda: apis.every_item("intake", "/units", token=token),
    }
    names = sorted(wanted)
    found = await asyncio.gather(*(_attempt(calls[name]()) for name in names))
    return dict(zip(names, found, strict=True))


def _titles(texts: Texts) -> dict[str, str]:
    _ = texts.gettext
    return {
        "funnel": _("Ideas funnel"),
        "decision-times": _("Time to decision"),
        "participation": _("Participation over time"),
        "participation-units": _("Participation per unit"),
        "experiments": _("Experiments and their outcomes"),
        "rewards-kinds": _("Rewards by kind, this period so far"),
        "rewards-departments": _("Rewards by department, this period so far"),
    }


def _figure(texts: Texts, key: str, answers: dict[str, tuple[Any, int | None]]) -> build.Figure:
    _ = texts.gettext
    figure = build.Figure(key, _titles(texts)[key])
    figure.description = _("%(title)s as a bar chart; the figures are in the table below it.",
                           title=figure.title)  # fmt: skip
    statuses = [answers[need][1] for need in NEEDS[key] if need != "units"]
    if any(status == 403 for status in statuses):
        figure.problem = _("These figures are not available to your role.")
        figure.problem_status = 403
        return figure
    if any(status is not None for status in statuses):
        figure.problem = _("These figures cannot be shown just now.")
        figure.problem_status = 503
        return figure
    units = unit_names(answers["units"][0] or []) if "units" in answers else {}

    def unit_name(unit_id: str | None) -> str:
        if unit_id is None:
            return _("No department")
        return texts.localized(units[unit_id]) if unit_id in units else unit_id

    answer = answers[NEEDS[key][0]][0]
    if key == "funnel":
        return build.funnel(texts, answer, figure)
    if key == "decision-times":
        return build.decision_times(texts, answer, figure)
    if key == "experiments":
        return build.experiments(texts, answer, figure)
    if key == "participation":
        return build.participation(texts, answer, figure)
    if key == "participation-units":
        return build.participation_units(texts, answer, figure, unit_name)
    if key == "rewards-kinds":
        return build.rewards(texts, answer["kinds"], figure, build.kind_name(texts), "kind")
    return build.rewards(texts, answer["departments"], figure, unit_name, "department_id")


@router.get("/dashboard")
async def dashboard(request: Request, viewer: Overseer, period: PeriodKind = "month") -> Response:
    texts = texts_of(request)
    answers = await _answers(
        request, viewer, period, {n for needs in NEEDS.values() for n in needs}
    )
    return render(
        request,
        "dashboard.html",
        {
            "period": period,
            "figures": [_figure(texts, key, answers) for key in build.KEYS],
            "csv_query": f"period={period}",
        },
    )


@router.get("/dashboard/{key}.csv")
async def figure_csv(
    request: Request, viewer: Overseer, key: FigureKey, period: PeriodKind = "month"
) -> Response:
    """One figure's rows as CSV (formula-safe: ``ideapaja_runtime.csv_export``): codes and
    plain numbers, for a spreadsheet."""
    texts = texts_of(request)
    answers = await _answers(request, viewer, period, set(NEEDS[key]))
    figure = _figure(texts, key, answers)
    if figure.problem:
        raise PageError(figure.problem_status, figure.title, figure.problem)
    today = city_today(request)
    return csv_response(
        f"ideapaja-{key}-{period}-{today}.csv", figure.csv_header, figure.csv_rows()
    )
