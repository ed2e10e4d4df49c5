"""The dashboard's chart geometry: round axis ends, columns in proportion, the latest period
always labelled, and horizontal bars with their values."""

from __future__ import annotations

import pytest

from ideapaja_portal import charts

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("largest", "top"),
    [(0, 1.0), (0.4, 0.5), (1, 1.0), (3, 5.0), (7, 10.0), (14.29, 20.0), (240, 250.0)],
)
def test_the_value_axis_ends_at_a_round_number(largest: float, top: float) -> None:
    assert charts.nice_top(largest) == top


def test_columns_are_in_proportion_and_the_latest_period_is_labelled() -> None:
    months = [f"{m}/2026" for m in range(1, 13)]
    chart = charts.columns(months, [("A", [0] * 11 + [4]), ("B", [None] * 11 + [2])], str)
    a, b = chart.bars[-2], chart.bars[-1]
    assert (a.series, b.series) == (0, 1)
    assert a.height == pytest.approx(2 * b.height)
    assert a.y + a.height == pytest.approx(b.y + b.height)  # both stand on the axis
    assert [label.text for label in chart.labels] == [f"{m}/2026" for m in range(2, 13, 2)]
    assert chart.bars[0].height == 0 and chart.bars[1].tooltip == "1/2026 · B: –"
    assert [tick.text for tick in chart.ticks] == ["0.0", "1.25", "2.5", "3.75", "5.0"]
    assert all(bar.x + bar.width <= chart.width for bar in chart.bars)


def test_rows_carry_their_values_and_shorten_long_names() -> None:
    chart = charts.rows(["Sosiaali- ja terveystoimi", "Kirjasto"], [10, 5], "Ideas", str)
    assert [label.text for label in chart.labels] == ["Sosiaali- ja terveyst…", "Kirjasto"]
    assert [tick.text for tick in chart.ticks] == ["10", "5"]
    assert chart.bars[0].width == pytest.approx(2 * chart.bars[1].width)
    assert chart.bars[0].tooltip == "Sosiaali- ja terveystoimi · Ideas: 10"
