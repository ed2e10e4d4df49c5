"""The raw figures of units' activity for one period: one grouped query per figure, whatever
the number of units (the indexes of migration reward_0005 serve each range)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, case, func, literal_column, select, true
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
    # where reading every list into Python took 160 ms).
    each = _json_elements(session, RewardIdea.author_ids)
    pairs = _only(
        select(RewardIdea.unit_id, each.c.value)
        .select_from(RewardIdea)
        .join(each, true())
        .where(_in(period, RewardIdea.submitted_at))
        .distinct(),
        RewardIdea.unit_id,
        units,
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


def _each_period(periods: Sequence[Period], stamp: Any) -> list[ColumnElement[bool]]:
    return [_in(period, stamp) for period in periods]


async def period_totals(
    session: AsyncSession,
    periods: Sequence[Period],
    *,
    now: datetime,
    units: Collection[str] | None = None,
) -> list[Figures]:
    """The figures of ``units`` (every unit when None) taken together, for each of ``periods``
    (consecutive, oldest first): one statement per figure for the whole window, a column per
    period, where asking period by period took six statements each (a 12-month chart: 72).
    Authors are distinct across the units, as ``total`` counts them."""
    window = (periods[0].starts_at, periods[-1].ends_at)

    async def per_period(columns: list[Any], where: ColumnElement[bool], unit: Any) -> list[Any]:
        query = _only(select(*columns).where(where), unit, units)
        return list((await session.execute(query)).one())

    def counted(stamp: Any) -> list[Any]:
        return [func.count(case((inside, 1))) for inside in _each_period(periods, stamp)]

    def within(stamp: Any) -> ColumnElement[bool]:
        return (stamp >= window[0]) & (stamp < window[1])  # type: ignore[no-any-return]

    submitted = await per_period(
        counted(RewardIdea.submitted_at), within(RewardIdea.submitted_at), RewardIdea.unit_id
    )
    accepted = await per_period(
        counted(RewardIdea.accepted_at), within(RewardIdea.accepted_at), RewardIdea.unit_id
    )
    implemented = await per_period(
        counted(RewardIdea.implemented_at),
        within(RewardIdea.implemented_at),
        RewardIdea.unit_id,
    )
    points = await per_period(
        [
            func.coalesce(func.sum(case((inside, LedgerEntry.points), else_=0)), 0)
            for inside in _each_period(periods, LedgerEntry.occurred_at)
        ],
        within(LedgerEntry.occurred_at),
        LedgerEntry.unit_id,
    )
    # Distinct authors per period: one distinct count over the rows grouped by their period
    # (a distinct count per period column would sort the whole window once per period).
    each = _json_elements(session, RewardIdea.author_ids)
    bucket = case(
        *[
            (inside, index)
            for index, inside in enumerate(_each_period(periods, RewardIdea.submitted_at))
        ]
    ).label("period_index")
    authors_query = _only(
        select(bucket, func.count(func.distinct(each.c.value)))
        .select_from(RewardIdea)
        .join(each, true())
        .where(within(RewardIdea.submitted_at))
        .group_by(literal_column("period_index")),
        RewardIdea.unit_id,
        units,
    )
    authors = [0] * len(periods)
    for index, count in (await session.execute(authors_query)).all():
        authors[int(index)] = int(count)
    heads = await headcount_totals(session, [p.closes_at(now) for p in periods], units)
    return [
        Figures.counted(
            headcount=heads[i],
            authors=int(authors[i]),
            submitted=int(submitted[i]),
            accepted=int(accepted[i]),
            implemented=int(implemented[i]),
            points=int(points[i]),
        )
        for i in range(len(periods))
    ]
