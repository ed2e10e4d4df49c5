"""HR's view of rewards: every grant, for payroll reconciliation, on a page and as CSV."""

from __future__ import annotations

import csv
import io
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from ideapaja_portal.web.context import Viewer, apis_of, render, texts_of, with_role

router = APIRouter(include_in_schema=False)
HR = Annotated[Viewer, Depends(with_role("hr", "admin"))]
Cursor = Annotated[str | None, Query(max_length=200, description="Next page's cursor")]
CSV_COLUMNS = ("id", "person_id", "idea_id", "origin", "kind", "points", "amount", "currency")


@router.get("/grants")
async def grants(request: Request, viewer: HR, cursor: Cursor = None) -> Response:
    page = await apis_of(request).call(
        "reward", "GET", "/grants", token=viewer.token, params={"limit": 50, "cursor": cursor}
    )
    return render(request, "grants.html", {"page": page})


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
