"""CSV files for reporting that are safe to open in a spreadsheet, in any locale: every
service's ``.csv`` routes write through here, so a cell is neutralised the same way everywhere.

- A cell a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``, a tab
  or a carriage return: CSV injection) is prefixed with ``'``, so it reads as text.
- A cell holding a separator of any locale (``,``; ``;`` where the decimal mark is a comma, as in
  Finland; a tab), a quote or a line break is quoted (RFC 4180, quotes doubled), so it stays one
  cell whichever separator the spreadsheet guesses — and a formula start right after such a
  separator is neutralised too, since a spreadsheet splitting on another separator than ours
  ignores the quotes of a cell that does not begin the line ("x;=cmd|…" would start a cell).

Lines end in CRLF (RFC 4180). ``csv_lines`` yields the header and then one line per row, for a
streaming response; ``csv_response`` is that response.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime

from fastapi.responses import StreamingResponse

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_QUOTED_IF_IN = (",", ";", "\t", '"', "\r", "\n")
# A separator of any locale (or a line break) followed by a formula start.
_FORMULA_AFTER_SEPARATOR = re.compile(r"([,;\t\r\n])([=+\-@])")
# What a route documents (OpenAPI ``responses``) for a CSV answer.
CSV_RESPONSES: dict[int | str, dict[str, object]] = {200: {"content": {"text/csv": {}}}}
NEUTRALISED = "Cells that a spreadsheet would run as formulas are prefixed with '."


def safe_cell(value: object) -> str:
    """The text of a cell, formula-neutralised (not yet quoted): empty for None, true/false,
    ISO 8601 times, lists space-separated."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        value = " ".join(str(v) for v in value)
    text = _FORMULA_AFTER_SEPARATOR.sub(r"\1'\2", str(value))
    return "'" + text if text.startswith(FORMULA_START) else text


def quoted(text: str) -> str:
    if any(mark in text for mark in _QUOTED_IF_IN):
        return '"' + text.replace('"', '""') + '"'
    return text


def csv_line(cells: Sequence[object]) -> str:
    return ",".join(quoted(safe_cell(cell)) for cell in cells) + "\r\n"


def csv_lines(header: Sequence[str], rows: Iterable[Sequence[object]]) -> Iterator[str]:
    """The header, then one line per row."""
    yield csv_line(header)
    for row in rows:
        yield csv_line(row)


def csv_response(
    filename: str, header: Sequence[str], rows: Iterable[Sequence[object]]
) -> StreamingResponse:
    """A UTF-8 CSV attachment named ``filename``."""
    return StreamingResponse(
        csv_lines(header, rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
