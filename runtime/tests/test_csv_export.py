"""The reporting CSV: formulas neutralised and separators of any locale quoted."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from ideapaja_runtime.csv_export import csv_line, csv_lines, safe_cell


@pytest.mark.parametrize("value", ['=HYPERLINK("x")', "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_formulas_are_neutralised(value: str) -> None:
    assert safe_cell(value) == "'" + value


@pytest.mark.parametrize("value", ["a,b", "a;b", "a\tb", 'say "hi"', "two\nlines"])
def test_cells_with_a_separator_of_any_locale_are_quoted(value: str) -> None:
    line = csv_line([value, "x"])
    assert line.startswith('"')
    assert next(csv.reader(io.StringIO(line))) == [value, "x"]


def test_values_become_plain_text() -> None:
    when = datetime(2026, 3, 2, 12, tzinfo=UTC)
    assert csv_line([None, True, False, when, Decimal("3.30"), ["a", "b"]]) == (
        ",true,false,2026-03-02T12:00:00+00:00,3.30,a b\r\n"
    )


def test_a_semicolon_locale_reads_the_same_cells() -> None:
    """A spreadsheet that guesses ';' (Finnish Excel) does not split a quoted cell at its ';'."""
    text = "".join(csv_lines(["a", "b"], [["x;y", "1"]]))
    assert text == 'a,b\r\n"x;y",1\r\n'
    [row] = list(csv.reader(io.StringIO(text.splitlines()[1]), delimiter=";"))
    assert row[0].startswith("x;y")
