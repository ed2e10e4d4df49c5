"""HR's view of rewards: every grant, for payroll reconciliation, on a page and as CSV; and the
report of a period (totals per department, unit and kind, and the reward service's CSV)."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from ideapaja_portal.apis import Apis, ServiceError
from ideapaja_portal.i18n import Texts
from ideapaja_portal.web.award_views import refused
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

router = APIRouter(include_in_schema=False)
HR = Annotated[Viewer, Depends(with_role("hr", "admin"))]
Cursor = Annotated[str | None, Query(max_length=200, description="Next page's cursor")]
FromDay = Annotated[
    str, Query(alias="from", max_length=20, description="The period's first day (YYYY-MM-DD)")
]
ToDay = Annotated[
    str, Query(alias="to", max_length=20, description="The period's last day (YYYY-MM-DD)")
]
DAY_LENGTH = len("2026-01-31")
CSV_COLUMNS = ("id", "person_id", "idea_id", "origin", "kind", "points", "amount", "currency")


@router.get("/grants")
async def grants(
    request: Request,
    viewer: HR,
    cursor: Cursor = None,
    start: FromDay = "",
    end: ToDay = "",
) -> Response:
    """Every grant, a page at a time, and the report of a period (this year so far unless
    asked): totals per department, unit and kind, and the period's CSV."""
    texts = texts_of(request)
    today = city_today(request)
    period = {"from": start or str(today.replace(month=1, day=1)), "to": end or str(today)}
    errors = {
        name: texts.gettext("Give a date, e.g. 2026-01-31.")
        for name, value in period.items()
        if not _is_day(value)
    }
    apis = apis_of(request)
    # The units' names beside the two reward calls, not after them: one round trip less.
    page, totals, units = await asyncio.gather(
        apis.call(
            "reward", "GET", "/grants", token=viewer.token, params={"limit": 50, "cursor": cursor}
        ),
        _totals(apis, viewer, period, errors, texts),
        apis.every_item("intake", "/units", token=viewer.token),
    )
    return render(
        request,
        "grants.html",
        {
            "page": page,
            "period": period,
            "totals": totals,
            "unit_names": unit_names(units),
            "errors": errors,
            "csv_query": urlencode(period),
        },
        status_code=422 if errors else 200,
    )


async def _totals(
    apis: Apis, viewer: Viewer, period: dict[str, str], errors: dict[str, str], texts: Texts
) -> dict[str, Any] | None:
    """The period's totals, or None with the reason in ``errors``."""
    if errors:
        return None
    try:
        totals: dict[str, Any] = await apis.call(
            "reward", "GET", "/grants/totals", token=viewer.token, params=period
        )
    except ServiceError as exc:
        errors.update(refused(texts, exc, "to"))
        return None
    return totals


@router.get("/grants/report.csv")
async def report_csv(
    request: Request,
    viewer: HR,
    start: FromDay = "",
    end: ToDay = "",
) -> Response:
    """The period's grants as the reward service writes them (one row per grant), fetched with
    the person's own token."""
    if not (_is_day(start) and _is_day(end)):
        texts = texts_of(request)
        raise PageError(
            422,
            texts.gettext("The form was not complete"),
            texts.gettext("Go back, check the fields and send it again."),
        )
    answer = await apis_of(request).raw(
        "reward", "GET", "/grants/report.csv", token=viewer.token, params={"from": start, "to": end}
    )
    return Response(
        answer.content,
        media_type=answer.headers.get("content-type", "text/csv; charset=utf-8"),
        headers={
            "Content-Disposition": answer.headers.get(
                "content-disposition", f'attachment; filename="grants-{start}-{end}.csv"'
            )
        },
    )


def _is_day(value: str) -> bool:
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return len(value) == DAY_LENGTH


@router.get("/grants.csv")
async def grants_csv(request: Request, viewer: HR) -> Response:
    """Every grant, oldest first, as payroll imports it (semicolon-separated in fi/sv, where
    the comma is the decimal mark; UTF-8 with BOM so spreadsheet programs read å, ä, ö)."""
    texts = texts_of(request)
    items = await apis_of(request).every_item("reward", "/grants", token=viewer.token)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";" if texts.language in ("fi", "sv") else ",")
    writer.writerow([*CSV_COLUMNS, "granted_at", "reason"])
    for grant in items:
        reason = grant.get("reason")
        writer.writerow(
            [
                *(
                    grant.get(column) if grant.get(column) is not None else ""
                    for column in CSV_COLUMNS
                ),
                texts.datetime(grant["granted_at"], "short"),
                texts.gettext(reason) if reason else "",
            ]
        )
    return Response(
        "\ufeff" + out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="ideapaja-grants.csv"'},
    )
