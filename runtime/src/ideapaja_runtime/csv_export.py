"""CSV exports that are safe to open in a spreadsheet: every service's ``.csv`` routes write
through here, so a cell a spreadsheet would run as a formula (CSV injection) is neutralised the
same way everywhere."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime

from fastapi.responses import StreamingResponse

# A cell starting with one of these is a formula to Excel and LibreOffice (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# What a route documents (OpenAPI ``responses``) for a CSV answer.
CSV_RESPONSES: dict[int | str, dict[str, object]] = {200: {"content": {"text/csv": {}}}}
NEUTRALISED = "Cells that a spreadsheet would run as formulas are prefixed with '."


def safe_cell(value: object) -> str:
    """The text of one cell: empty for None, true/false, ISO 8601 times, lists space-separated,
    and a leading ' before anything a spreadsheet would take for a formula."""
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


def csv_lines(header: Sequence[str], rows: Iterable[Sequence[object]]) -> Iterator[str]:
    """The header, then one line per row (for a streaming response), each cell ``safe_cell``."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def take() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow(header)
    yield take()
    for row in rows:
        writer.writerow([safe_cell(value) for value in row])
        yield take()


def csv_response(
    filename: str, header: Sequence[str], rows: Iterable[Sequence[object]]
) -> StreamingResponse:
    """A UTF-8 CSV attachment named ``filename``."""
    return StreamingResponse(
        csv_lines(header, rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
