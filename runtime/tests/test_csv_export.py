"""CSV cells a spreadsheet cannot run, and the lines of an export."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ideapaja_runtime.csv_export import csv_lines, safe_cell


@pytest.mark.parametrize("value", ['=HYPERLINK("x")', "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_formulas_are_neutralised(value: str) -> None:
    assert safe_cell(value) == "'" + value


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
