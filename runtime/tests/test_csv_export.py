"""The reporting CSV: formulas neutralised and separators of any locale quoted."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from ideapaja_runtime.csv_export import FORMULA_START, csv_line, csv_lines, safe_cell


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


def test_no_locale_finds_a_formula_after_a_separator() -> None:
    """A title like "Tavallinen otsikko;=cmd|' /C calc'!A0" in a later column: a spreadsheet
    splitting on ';' ignores that cell's quotes (it does not begin the line), so the formula
    start after the separator is neutralised as well."""
    title = "Tavallinen otsikko;=cmd|' /C calc'!A0"
    line = csv_line(["i-1", title, "+358 40", "a, -5"])
    for separator in (",", ";", "\t"):
        for row in csv.reader(io.StringIO(line), delimiter=separator):
            assert not any(cell.lstrip('"').startswith(FORMULA_START) for cell in row), row
    assert next(csv.reader(io.StringIO(line))) == [
        "i-1",
        "Tavallinen otsikko;'=cmd|' /C calc'!A0",
        "'+358 40",
        "a, -5",  # a space after the separator: no formula, left as written
    ]


def test_cells_of_every_kind() -> None:
    moment = datetime(2026, 3, 2, tzinfo=UTC)
    assert [safe_cell(v) for v in (None, True, False, moment, ["a", "b"], 3, 1.5, "x")] == [
        "",
        "true",
        "false",
        "2026-03-02T00:00:00+00:00",
        "a b",
        "3",
        "1.5",
        "x",
    ]


def test_lines_are_the_header_then_one_per_row_quoted_where_needed() -> None:
    lines = list(csv_lines(("a", "b"), [("x,y", "=1"), (None, 'say "hi"')]))
    assert lines == ["a,b\r\n", '"x,y",\'=1\r\n', ',"say ""hi"""\r\n']
