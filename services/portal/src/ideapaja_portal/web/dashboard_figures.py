"""The dashboard's figures, built from the services' reporting answers: each a table (label and
values per row), its CSV columns and its chart. Pure: the answers come in as the services give
them; the person's language comes in as ``texts``."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ideapaja_portal import charts
from ideapaja_portal.i18n import AWARD_KIND_LABELS, Texts

# The figures, in the page's order (and the CSV downloads' names).
KEYS = (
    "funnel",
    "decision-times",
    "participation",
    "participation-units",
    "experiments",
    "rewards-kinds",
    "rewards-departments",
)


@dataclass(frozen=True)
class Row:
    label: str  # as the page shows it (a unit's name in the person's language, a period)
    key: str  # as the CSV has it (the unit's id, the period's code: 2026-11, 2026-Q4, 2026)
    values: Sequence[float | int | None]


@dataclass
class Figure:
    key: str
    title: str
    description: str = ""
    note: str = ""
    header: list[str] = field(default_factory=list)
    csv_header: list[str] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    chart: charts.Chart | None = None
    # Why there is nothing to show (not for this person's role; the service is not answering).
    problem: str | None = None
    problem_status: int = 0  # 403 not for this role, 503 not answering

    @property
    def empty(self) -> bool:
        """Nothing but zeros (a chart would be a blank box)."""
        return not any(value for row in self.rows for value in row.values)

    def csv_rows(self) -> list[list[object]]:
        return [[row.key, *row.values] for row in self.rows]


def period_label(code: str) -> str:
    """2026-11 → 11/2026, 2026-Q4 → Q4/2026, 2026 → 2026 (the same in fi, sv and en)."""
    year, _, rest = code.partition("-")
    if not rest:
        return year
    return f"{rest.lstrip('0')}/{year}" if not rest.startswith("Q") else f"{rest}/{year}"


def _columns_chart(
    texts: Texts, rows: Sequence[Row], series: Sequence[tuple[str, int]]
) -> charts.Chart:
    """Columns per period of ``series`` (name, index into the row's values)."""
    return charts.columns(
        [row.label for row in rows],
        [(name, [row.values[index] for row in rows]) for name, index in series],
        texts.number,
    )


def _periodic(
    texts: Texts,
    figure: Figure,
    periods: Sequence[Mapping[str, Any]],
    columns: Sequence[tuple[str, str]],
    charted: Sequence[str],
) -> Figure:
    """A figure with a row per period: ``columns`` are (field, heading); ``charted`` the
    fields drawn as columns."""
    figure.header = [texts.gettext("Period"), *(heading for _, heading in columns)]
    figure.csv_header = ["period", *(name for name, _ in columns)]
    figure.rows = [
        Row(period_label(p["period"]), p["period"], [p.get(name) for name, _ in columns])
        for p in periods
    ]
    names = [name for name, _ in columns]
    figure.chart = _columns_chart(
        texts,
        figure.rows,
        [(dict(columns)[name], names.index(name)) for name in charted],
    )
    return figure


def funnel(texts: Texts, answer: Mapping[str, Any], figure: Figure) -> Figure:
    _ = texts.gettext
    figure.note = _(
        "Each period's ideas, and how far they have come by now: decided (accepted or "
        "rejected), accepted, implemented."
    )
    columns = [
        ("submitted", _("Submitted")),
        ("decided", _("Decided")),
        ("accepted", _("Accepted")),
        ("implemented", _("Implemented")),
    ]
    return _periodic(texts, figure, answer["periods"], columns, [c for c, _h in columns])


def decision_times(texts: Texts, answer: Mapping[str, Any], figure: Figure) -> Figure:
    _ = texts.gettext
    figure.note = _(
        "Days from submitting an idea to its acceptance or rejection, for the decisions of each "
        "period: the median, and the time 90 % of decisions were made within."
    )
    columns = [
        ("decisions", _("Decisions")),
        ("median_days", _("Median, days")),
        ("p90_days", _("90 % within, days")),
    ]
    return _periodic(texts, figure, answer["periods"], columns, ["median_days", "p90_days"])


def experiments(texts: Texts, answer: Mapping[str, Any], figure: Figure) -> Figure:
    _ = texts.gettext
    figure.note = _("Experiments started in each period, and those completed by outcome.")
    columns = [
        ("started", _("Started")),
        ("completed", _("Completed")),
        ("scale", _("Scale up")),
        ("adjust", _("Adjust and try again")),
        ("stop", _("Stop")),
    ]
    return _periodic(
        texts, figure, answer["periods"], columns, ["started", "scale", "adjust", "stop"]
    )


def _activity_columns(texts: Texts) -> list[tuple[str, str]]:
    _ = texts.gettext
    return [
        ("headcount", _("Employees")),
        ("authors", _("Authors")),
        ("ideas_submitted", _("Ideas")),
        ("authors_per_100", _("Authors per 100 employees")),
        ("ideas_per_100", _("Ideas per 100 employees")),
    ]


def participation(texts: Texts, answer: Mapping[str, Any], figure: Figure) -> Figure:
    figure.note = texts.gettext(
        "Ideas and their authors per 100 employees, period by period (headcount from HR)."
    )
    periods = [{"period": p["period"], **p["figures"]} for p in answer["periods"]]
    return _periodic(
        texts,
        figure,
        periods,
        _activity_columns(texts),
        ["authors_per_100", "ideas_per_100"],
    )


def participation_units(
    texts: Texts, answer: Mapping[str, Any], figure: Figure, unit_name: Callable[[str | None], str]
) -> Figure:
    columns = _activity_columns(texts)
    figure.note = texts.gettext("This period, per unit: ideas per 100 employees.")
    figure.header = [texts.gettext("Unit"), *(heading for _, heading in columns)]
    figure.csv_header = ["unit_id", *(name for name, _ in columns)]
    figure.rows = [
        Row(
            unit_name(item["unit_id"]),
            item["unit_id"] or "",
            [item["current"].get(name) for name, _ in columns],
        )
        for item in answer["items"]
    ]
    figure.chart = charts.rows(
        [row.label for row in figure.rows],
        [row.values[-1] for row in figure.rows],
        texts.gettext("Ideas per 100 employees"),
        texts.number,
    )
    return figure


def rewards(
    texts: Texts,
    groups: Sequence[Mapping[str, Any]],
    figure: Figure,
    name_of: Callable[[str | None], str],
    key: str,
) -> Figure:
    """Grants of the period so far per kind or per department."""
    _ = texts.gettext
    columns = [
        ("grants", _("Grants")),
        ("amount", _("Amount, €")),
        ("points", _("Points")),
        ("days", _("Days off")),
    ]
    figure.header = [_("Group"), *(heading for _n, heading in columns)]
    figure.csv_header = [key, *(name for name, _h in columns)]
    figure.rows = [
        Row(name_of(group["id"]), group["id"] or "", [_number(group.get(n)) for n, _h in columns])
        for group in groups
    ]
    figure.chart = charts.rows(
        [row.label for row in figure.rows],
        [row.values[0] for row in figure.rows],
        _("Grants"),
        texts.number,
    )
    return figure


def _number(value: Any) -> float | int | None:
    """Amounts come as decimal strings ("150.50")."""
    if value is None or isinstance(value, int | float):
        return value
    return float(value)


def kind_name(texts: Texts) -> Callable[[str | None], str]:
    return lambda kind: texts.gettext(AWARD_KIND_LABELS.get(kind or "", kind or ""))
