"""The reporting export: one CSV row per idea, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

COLUMNS = (
    "id",
    "submitted_at",
    "status",
    "status_changed_at",
    "scope",
    "unit_id",
    "category",
    "benefit_kinds",
    "channel",
    "external",
    "anonymous",
    "author_ids",
    "team_unit_id",
    "supports",
    "comments",
    "revision",
    "rewarded",
    "language",
    "title",
)
# A cell starting with one of these is a formula to Excel and LibreOffice (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class ExportRow:
    id: str
    submitted_at: datetime | None
    status: str
    status_changed_at: datetime
    scope: str
    unit_id: str
    category: str | None
    benefit_kinds: Sequence[str]
    channel: str
    external: bool
    anonymous: bool
    # Already filtered: empty for anonymous ideas (visibility.exported_author_ids).
    author_ids: Sequence[str]
    team_unit_id: str | None
    supports: int
    comments: int
    revision: int
    rewarded: bool
    language: str
    title: str


def safe_cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, list | tuple):
        value = " ".join(str(v) for v in value)
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def csv_lines(rows: Iterable[ExportRow]) -> Iterable[str]:
    """The header, then one line per row (for a streaming response)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def take() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow(COLUMNS)
    yield take()
    for row in rows:
        writer.writerow([safe_cell(getattr(row, column)) for column in COLUMNS])
        yield take()
