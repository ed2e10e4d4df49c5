"""The raw figures of units' activity for one period: one grouped query per figure, whatever
the number of units (the indexes of migrations reward_0005 and reward_0006 serve each range)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Sequence
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, func, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from ideapaja_contracts.periods import Period
from ideapaja_reward.db.models import LedgerEntry, RewardIdea
from ideapaja_reward.db.org import headcount_totals, headcounts
from ideapaja_reward.domain.activity import Figures, RawFigures

Q = TypeVar("Q", bound=Select[*tuple[Any, ...]])


def _in(period: Period, column: Any) -> ColumnElement[bool]:
    return (column >= period.starts_at) & (column < period.ends_at)  # type: ignore[no-any-return]


def _only(query: Q, column: Any, units: Collection[str] | None) -> Q:
    return query if units is None else query.where(column.in_(sorted(units)))


def _json_elements(session: AsyncSession, column: Any) -> Any:
    """The JSON list ``column`` as rows of text (``value``), one per element: SQLite's
    ``json_each``, PostgreSQL's ``json_array_elements_text`` (a function in FROM may refer to
    the tables before it on both)."""
    if session.get_bind().dialect.name == "sqlite":
        return func.json_each(column).table_valued("value")
    return func.json_array_elements_text(column).table_valued("value")


async def _counts(
    session: AsyncSession, period: Period, stamp: Any, units: Collection[str] | None
) -> dict[str, int]:
    query = select(RewardIdea.unit_id, func.count()).where(_in(period, stamp))
    query = _only(query, RewardIdea.unit_id, units).group_by(RewardIdea.unit_id)
    return {unit_id: int(n) for unit_id, n in (await session.execute(query)).all()}


async def raw_figures(
    session: AsyncSession,
    period: Period,
    *,
    now: datetime,
    units: Collection[str] | None = None,
) -> dict[str, RawFigures]:
    """Each unit's figures for ``period`` (only ``units`` when given; units with nothing to
    count are absent). The headcount is the unit's at the period's end, or now."""
    # Each unit's distinct authors, unpacked from the ideas' JSON lists by the database: a
    # city's month holds thousands of ideas but only its people's pairs (10,000 ideas: 20 ms,
    # where reading every list into Python took 160 ms). The period's ideas are read first, by
    # their range index (a materialized CTE): left to itself, SQLite's planner walks every idea
    # in unit order for the DISTINCT, even for a period with none.
    ideas_of_period = (
        _only(
            select(RewardIdea.unit_id, RewardIdea.author_ids).where(
                _in(period, RewardIdea.submitted_at)
            ),
            RewardIdea.unit_id,
            units,
        )
        .cte("period_ideas")
        .prefix_with("MATERIALIZED")
    )
    each = _json_elements(session, ideas_of_period.c.author_ids)
    pairs = (
        select(ideas_of_period.c.unit_id, each.c.value)
        .select_from(ideas_of_period)
        .join(each, true())
        .distinct()
    )
    authors: dict[str, set[str]] = defaultdict(set)
    for unit_id, author_id in (await session.execute(pairs)).all():
        authors[unit_id].add(str(author_id))
    ideas = await _counts(session, period, RewardIdea.submitted_at, units)
    accepted = await _counts(session, period, RewardIdea.accepted_at, units)
    implemented = await _counts(session, period, RewardIdea.implemented_at, units)
    points_query = _only(
        select(LedgerEntry.unit_id, func.sum(LedgerEntry.points)).where(
            _in(period, LedgerEntry.occurred_at)
        ),
        LedgerEntry.unit_id,
        units,
    ).group_by(LedgerEntry.unit_id)
    points = {u: int(p or 0) for u, p in (await session.execute(points_query)).all()}
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

    def counted(stamp: Any) -> Callable[[Period], Any]:
        return lambda period: _only(
            select(func.count()).where(_in(period, stamp)), RewardIdea.unit_id, units
        ).scalar_subquery()

    def points(period: Period) -> Any:
        query = select(func.coalesce(func.sum(LedgerEntry.points), 0)).where(
            _in(period, LedgerEntry.occurred_at)
        )
        return _only(query, LedgerEntry.unit_id, units).scalar_subquery()

    def authors(period: Period) -> Any:
        each = _json_elements(session, RewardIdea.author_ids)
        query = (
            select(func.count(func.distinct(each.c.value)))
            .select_from(RewardIdea)
            .join(each, true())
            .where(_in(period, RewardIdea.submitted_at))
        )
        return _only(query, RewardIdea.unit_id, units).scalar_subquery()

    figures = (
        counted(RewardIdea.submitted_at),
        counted(RewardIdea.accepted_at),
        counted(RewardIdea.implemented_at),
        points,
        authors,
    )
    row = (await session.execute(select(*(figure(p) for p in periods for figure in figures)))).one()
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
