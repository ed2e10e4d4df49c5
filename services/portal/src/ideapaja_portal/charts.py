"""Charts drawn on the server as inline SVG (no chart script: the Content-Security-Policy allows
none inline, and the page must work without JavaScript): the geometry of bar charts, which
``templates/partials/chart.html`` turns into SVG with its ``<title>`` and ``<desc>``. Every chart
has its table beside it (the accessible alternative, and the figures exactly); each series is
named in a legend, and each bar carries its value as a tooltip (``<title>``).

The SVG scales to its box (``viewBox``): a phone at 360 px shows the whole chart, never wider.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

WIDTH = 640
HEIGHT = 260
LEFT = 48  # room for the value axis's labels
BOTTOM = 28  # room for the category labels
TOP = 12
LABEL_ROOM = 150  # horizontal bars: room for the category names
ROW = 26  # horizontal bars: one row's height
TICKS = 4


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    series: int
    tooltip: str


@dataclass(frozen=True)
class Label:
    x: float
    y: float
    text: str


@dataclass
class Chart:
    """What the template draws: bars, the value axis's ticks, the categories' labels and the
    legend (series index → name)."""

    kind: str  # "columns" (categories along the bottom) or "rows" (one bar per category row)
    width: int
    height: int
    bars: list[Bar] = field(default_factory=list)
    ticks: list[Label] = field(default_factory=list)
    labels: list[Label] = field(default_factory=list)
    legend: list[tuple[int, str]] = field(default_factory=list)


def nice_top(largest: float) -> float:
    """The value axis's end: the largest value rounded up to 1, 2, 2.5 or 5 times a power of
    ten (so the ticks are round numbers)."""
    if largest <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(largest))
    for step in (1, 2, 2.5, 5, 10):
        if largest <= step * power:
            return float(step * power)
    return float(10 * power)  # pragma: no cover - the loop always ends at 10


def columns(
    categories: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    number: Callable[[float], str],
) -> Chart:
    """Grouped columns: a group per category (a period), a column per series in each."""
    chart = Chart(
        "columns", WIDTH, HEIGHT, legend=[(i, name) for i, (name, _) in enumerate(series)]
    )
    values = [v for _, vs in series for v in vs if v is not None]
    largest = max(values, default=0)
    top = nice_top(largest)
    plot_height = HEIGHT - TOP - BOTTOM
    group = (WIDTH - LEFT) / max(1, len(categories))
    column = group * 0.8 / max(1, len(series))
    for tick in range(TICKS + 1):
        value = top * tick / TICKS
        chart.ticks.append(Label(LEFT - 6, TOP + plot_height * (1 - tick / TICKS), number(value)))
    # Every category's label unless they would overlap (12 months: every other, counted from
    # the latest, which is always labelled).
    every = 1 if len(categories) <= 8 else 2
    for index, category in enumerate(categories):
        x0 = LEFT + group * index + group * 0.1
        if (len(categories) - 1 - index) % every == 0:
            chart.labels.append(Label(LEFT + group * (index + 0.5), HEIGHT - 8, category))
        for number_of_series, (name, series_values) in enumerate(series):
            shown = series_values[index]
            height = 0.0 if shown is None else plot_height * shown / top
            chart.bars.append(
                Bar(
                    x=round(x0 + column * number_of_series, 1),
                    y=round(TOP + plot_height - height, 1),
                    width=round(max(column - 1, 1), 1),
                    height=round(height, 1),
                    series=number_of_series,
                    tooltip=f"{category} · {name}: {'–' if shown is None else number(shown)}",
                )
            )
    return chart


def rows(
    categories: Sequence[str],
    values: Sequence[float | None],
    name: str,
    number: Callable[[float], str],
) -> Chart:
    """One horizontal bar per category (a unit, a kind of reward), its value at its end."""
    height = TOP + ROW * max(1, len(categories)) + 4
    chart = Chart("rows", WIDTH, height, legend=[(0, name)])
    largest = max((v for v in values if v is not None), default=0)
    top = nice_top(largest)
    room = WIDTH - LABEL_ROOM - 60  # and room for the value after the bar
    for index, (category, value) in enumerate(zip(categories, values, strict=True)):
        y = TOP + ROW * index
        length = 0.0 if value is None else room * value / top
        shown = "–" if value is None else number(value)
        chart.labels.append(Label(LABEL_ROOM - 6, y + ROW * 0.62, _short(category)))
        chart.ticks.append(Label(LABEL_ROOM + length + 4, y + ROW * 0.62, shown))
        chart.bars.append(
            Bar(LABEL_ROOM, y + 3, round(length, 1), ROW - 6, 0, f"{category} · {name}: {shown}")
        )
    return chart


def _short(text: str, length: int = 22) -> str:
    """A category's name on the chart (the table has it whole)."""
    return text if len(text) <= length else text[: length - 1] + "…"
