"""CSV files for reporting that are safe to open in a spreadsheet, in any locale.

- A cell a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``, a tab
  or a carriage return: CSV injection) is prefixed with ``'``, so it reads as text.
- A cell holding a separator of any locale (``,``; ``;`` where the decimal mark is a comma, as in
  Finland; a tab), a quote or a line break is quoted (RFC 4180, quotes doubled), so it stays one
  cell whichever separator the spreadsheet guesses.

Lines end in CRLF (RFC 4180). ``csv_lines`` yields the header and then one line per row, for a
streaming response.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_QUOTED_IF_IN = (",", ";", "\t", '"', "\r", "\n")


def safe_cell(value: object) -> str:
    """The text of a cell, formula-neutralised (not yet quoted)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        value = " ".join(str(v) for v in value)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def quoted(text: str) -> str:
    if any(mark in text for mark in _QUOTED_IF_IN):
        return '"' + text.replace('"', '""') + '"'
    return text


def csv_line(cells: Sequence[object]) -> str:
    return ",".join(quoted(safe_cell(cell)) for cell in cells) + "\r\n"


def csv_lines(header: Sequence[str], rows: Iterable[Sequence[object]]) -> Iterable[str]:
    """The header, then one line per row."""
    yield csv_line(header)
    for row in rows:
        yield csv_line(row)
