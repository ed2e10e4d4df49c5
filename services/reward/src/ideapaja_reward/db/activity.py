"""The raw figures of units' activity for one period: one grouped query per figure, whatever
the number of units (the indexes of migrations reward_0005 and reward_0006 serve each range).

Every statement is built once per shape (dialect, how many periods, whether units are named)
and run with the period's bounds as parameters: building and keying the dashboard's 12-period
statement of 60 subqueries cost 24 ms of Python a request, four times the database's work
(10,000 ideas of one month, SQLite)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from datetime import datetime
from functools import cache
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, bindparam, func, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from ideapaja_contracts.periods import Period
from ideapaja_reward.db.models import LedgerEntry, RewardIdea
from ideapaja_reward.db.org import headcount_totals, headcounts
from ideapaja_reward.domain.activity import Figures, RawFigures

IDEAS = RewardIdea.__table__
LEDGER = LedgerEntry.__table__
# The stamps counted per unit and period: submitted, accepted, implemented.
STAMPS = ("submitted_at", "accepted_at", "implemented_at")
Q = TypeVar("Q", bound=Select[Any])


def _in(column: Any, n: int = 0) -> ColumnElement[bool]:
    """``column`` within the ``n``-th period of the parameters (``start_n`` ≤ it < ``end_n``)."""
    start = bindparam(f"start_{n}", type_=column.type)
    end = bindparam(f"end_{n}", type_=column.type)
    return (column >= start) & (column < end)  # type: ignore[no-any-return]


def _only(query: Q, column: Any, by_units: bool) -> Q:
    """Restricted to the units named by the ``units`` parameter, when they are named."""
    return query.where(column.in_(bindparam("units", expanding=True))) if by_units else query


def _bounds(periods: Sequence[Period], units: Collection[str] | None) -> dict[str, Any]:
    found: dict[str, Any] = {} if units is None else {"units": sorted(units)}
    for n, period in enumerate(periods):
        found[f"start_{n}"], found[f"end_{n}"] = period.starts_at, period.ends_at
    return found


def _json_elements(dialect: str, column: Any) -> Any:
    """The JSON list ``column`` as rows of text (``value``), one per element: SQLite's
    ``json_each``, PostgreSQL's ``json_array_elements_text`` (a function in FROM may refer to
    the tables before it on both)."""
    if dialect == "sqlite":
        return func.json_each(column).table_valued("value")
    return func.json_array_elements_text(column).table_valued("value")


@cache
def _unit_statements(dialect: str, by_units: bool) -> tuple[Select[Any], ...]:
    """``raw_figures``' statements: distinct (unit, author) pairs, the three counts per unit,
    the points per unit."""
    # Each unit's distinct authors, unpacked from the ideas' JSON lists by the database: a
    # city's month holds thousands of ideas but only its people's pairs (10,000 ideas: 20 ms,
    # where reading every list into Python took 160 ms). The period's ideas are read first, by
    # their range index (a materialized CTE): left to itself, SQLite's planner walks every idea
    # in unit order for the DISTINCT, even for a period with none.
    ideas_of_period = (
        _only(
            select(IDEAS.c.unit_id, IDEAS.c.author_ids).where(_in(IDEAS.c.submitted_at)),
            IDEAS.c.unit_id,
            by_units,
        )
        .cte("period_ideas")
        .prefix_with("MATERIALIZED")
    )
    each = _json_elements(dialect, ideas_of_period.c.author_ids)
    pairs = (
        select(ideas_of_period.c.unit_id, each.c.value)
        .select_from(ideas_of_period)
        .join(each, true())
        .distinct()
    )
    counts = tuple(
        _only(
            select(IDEAS.c.unit_id, func.count()).where(_in(IDEAS.c[stamp])),
            IDEAS.c.unit_id,
            by_units,
        ).group_by(IDEAS.c.unit_id)
        for stamp in STAMPS
    )
    points = _only(
        select(LEDGER.c.unit_id, func.sum(LEDGER.c.points)).where(_in(LEDGER.c.occurred_at)),
        LEDGER.c.unit_id,
        by_units,
    ).group_by(LEDGER.c.unit_id)
    return (pairs, *counts, points)


async def raw_figures(
    session: AsyncSession,
    period: Period,
    *,
    now: datetime,
    units: Collection[str] | None = None,
) -> dict[str, RawFigures]:
    """Each unit's figures for ``period`` (only ``units`` when given; units with nothing to
    count are absent). The headcount is the unit's at the period's end, or now."""
    pairs, *counts, points_query = _unit_statements(
        session.get_bind().dialect.name, units is not None
    )
    bounds = _bounds([period], units)
    authors: dict[str, set[str]] = defaultdict(set)
    for unit_id, author_id in (await session.execute(pairs, bounds)).all():
        authors[unit_id].add(str(author_id))
    ideas, accepted, implemented = [
        {unit_id: int(n) for unit_id, n in (await session.execute(query, bounds)).all()}
        for query in counts
    ]
    points = {u: int(p or 0) for u, p in (await session.execute(points_query, bounds)).all()}
    heads = await headcounts(session, period.closes_at(now))
    if units is not None:
        heads = {u: n for u, n in heads.items() if u in units}  # type: ignore[assignment]
    every = {*authors, *ideas, *accepted, *implemented, *points, *heads}
    return {
        unit_id: RawFigures(
            headcount=heads.get(unit_id, 0),
            authors=frozenset(authors.get(unit_id, ())),
            submitted=ideas.get(unit_id, 0),
            accepted=accepted.get(unit_id, 0),
            implemented=implemented.get(unit_id, 0),
            points=points.get(unit_id, 0),
        )
        for unit_id in every
    }


@cache
def _totals_statement(dialect: str, count: int, by_units: bool) -> Select[Any]:
    """``period_totals``' statement for ``count`` periods: five scalar subqueries a period."""

    def counted(stamp: str, n: int) -> Any:
        query = select(func.count()).where(_in(IDEAS.c[stamp], n))
        return _only(query, IDEAS.c.unit_id, by_units).scalar_subquery()

    def points(n: int) -> Any:
        query = select(func.coalesce(func.sum(LEDGER.c.points), 0)).where(
            _in(LEDGER.c.occurred_at, n)
        )
        return _only(query, LEDGER.c.unit_id, by_units).scalar_subquery()

    def authors(n: int) -> Any:
        each = _json_elements(dialect, IDEAS.c.author_ids)
        query = (
            select(func.count(func.distinct(each.c.value)))
            .select_from(IDEAS)
            .join(each, true())
            .where(_in(IDEAS.c.submitted_at, n))
        )
        return _only(query, IDEAS.c.unit_id, by_units).scalar_subquery()

    return select(
        *(
            figure
            for n in range(count)
            for figure in (*(counted(stamp, n) for stamp in STAMPS), points(n), authors(n))
        )
    )


async def period_totals(
    session: AsyncSession,
    periods: Sequence[Period],
    *,
    now: datetime,
    units: Collection[str] | None = None,
) -> list[Figures]:
    """The figures of ``units`` (every unit when None) taken together, for each of ``periods``:
    one statement for the whole window, each figure of each period its own scalar subquery over
    that period's range of its timestamp's covering index (migration reward_0006). A column per
    period evaluated on every row of the window (a dozen comparisons a row) cost the dashboard's
    12-month series tens of milliseconds per figure; a range read per period touches each row
    once. Authors are distinct across the units, as ``total`` counts them."""
    statement = _totals_statement(session.get_bind().dialect.name, len(periods), units is not None)
    row = (await session.execute(statement, _bounds(periods, units))).one()
    heads = await headcount_totals(session, [p.closes_at(now) for p in periods], units)
    found = []
    for i in range(len(periods)):
        submitted, accepted, implemented, earned, distinct = row[i * 5 : i * 5 + 5]
        found.append(
            Figures.counted(
                headcount=heads[i],
                authors=int(distinct),
                submitted=int(submitted),
                accepted=int(accepted),
                implemented=int(implemented),
                points=int(earned),
            )
        )
    return found
