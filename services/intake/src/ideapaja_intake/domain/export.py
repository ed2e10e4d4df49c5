"""The reporting export: one CSV row per idea (written by the runtime's ``csv_export``, which
makes it safe to open in a spreadsheet)."""

from __future__ import annotations

from collections.abc import Sequence
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


def cells(row: ExportRow) -> list[object]:
    """The row's cells in the order of ``COLUMNS`` (``ideapaja_runtime.csv_export`` writes them
    safely)."""
    return [getattr(row, column) for column in COLUMNS]
