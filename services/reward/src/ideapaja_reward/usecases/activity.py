"""Units' activity per headcount for the management dashboard: a period's rows at one level, the
CSV of the same, a time series for a chart, and the unit ranking periodic awards use.

Management, admins and HR see every unit; a supervisor sees the units in their token and every
unit below them (never the city's row, which counts everyone).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ideapaja_contracts.periods import InvalidPeriod, Period, PeriodKind
from ideapaja_reward.authz import POLICY
from ideapaja_reward.db.activity import period_totals, raw_figures
from ideapaja_reward.db.org import load_units
from ideapaja_reward.domain.activity import Level, Organisation, Row, ranked, rows
from ideapaja_reward.schemas_activity import (
    ActivityPointPublic,
    ActivityPublic,
    ActivityRowPublic,
    ActivitySeriesPublic,
    PeriodPublic,
    figures_public,
)
from ideapaja_runtime.authz import Scope
from ideapaja_runtime.errors import ForbiddenObject, InvalidInput
from ideapaja_runtime.pagination import PageRequest, page_of_computed
from ideapaja_runtime.uow import UnitOfWork


@dataclass(frozen=True)
class Report:
    """A period's rows at one level (each with the previous period's figures)."""

    period: Period
    level: Level
    rows: list[Row]


def _reach(uow: UnitOfWork[Any], org: Organisation) -> set[str] | None:
    """The units the caller may see the activity of; None: every unit."""
    person = uow.person
    if POLICY["activity.read"].scope_for(person) is Scope.UNIT:
        return org.below(person.unit_ids)
    return None


def _scope(
    uow: UnitOfWork[Any], org: Organisation, level: Level, unit_id: str | None
) -> set[str] | None:
    """The units whose figures are read (closed downwards, so a department's roll-up is whole);
    None: all. Refuses what the caller may not see."""
    reach = _reach(uow, org)
    if level is Level.CITY:
        if unit_id is not None:
            raise InvalidInput(
                "unit_id", "level=city covers every unit: leave unit_id out, or ask for a unit"
            )
        if reach is not None:
            raise ForbiddenObject(
                "Supervisors see the activity of their own units, not the whole city's: "
                "name one of them as unit_id"
            )
        return None
    if unit_id is None:
        return reach
    if reach is not None and unit_id not in reach:
        raise ForbiddenObject("Supervisors see the activity of their own units only")
    return org.below([unit_id])


async def check_unit(uow: UnitOfWork[Any], unit_id: str) -> None:
    """Refuse a supervisor a unit outside their units and the units below them."""
    _scope(uow, Organisation.of(await load_units(uow.session)), Level.UNIT, unit_id)


def _period(uow: UnitOfWork[Any], kind: PeriodKind, at: date | None) -> Period:
    try:
        return Period.containing(kind, at or uow.now)
    except InvalidPeriod as error:
        raise InvalidInput("at", str(error)) from None


async def report(
    uow: UnitOfWork[Any],
    kind: PeriodKind,
    *,
    at: date | None = None,
    level: Level = Level.UNIT,
    unit_id: str | None = None,
) -> Report:
    """The rows of ``level`` for the period containing ``at`` (today in Helsinki by default),
    limited to ``unit_id`` and the units below it when given."""
    session = uow.session
    org = Organisation.of(await load_units(session))
    within = _scope(uow, org, level, unit_id)
    period = _period(uow, kind, at)
    current = await raw_figures(session, period, now=uow.now, units=within)
    previous = await raw_figures(session, period.previous(), now=uow.now, units=within)
    return Report(period, level, rows(level, current, previous, org, within=within))


async def report_page(
    uow: UnitOfWork[Any],
    kind: PeriodKind,
    page: PageRequest,
    *,
    at: date | None = None,
    level: Level = Level.UNIT,
    unit_id: str | None = None,
) -> ActivityPublic:
    found = await report(uow, kind, at=at, level=level, unit_id=unit_id)
    rows_page = page_of_computed(
        found.rows,
        key=lambda row: (row.unit_id or "",),
        arity=1,
        page=page,
        item=ActivityRowPublic.of,
    )
    return ActivityPublic(
        **rows_page.model_dump(),
        period=PeriodPublic.of(found.period, uow.now),
        previous_period=PeriodPublic.of(found.period.previous(), uow.now),
        level=level.value,
    )


async def series(
    uow: UnitOfWork[Any],
    kind: PeriodKind,
    count: int,
    *,
    at: date | None = None,
    unit_id: str | None = None,
) -> ActivitySeriesPublic:
    """``count`` periods ending with the one containing ``at``: ``unit_id`` with every unit
    below it, or the whole city."""
    session = uow.session
    org = Organisation.of(await load_units(session))
    within = _scope(uow, org, Level.CITY if unit_id is None else Level.UNIT, unit_id)
    periods = _period(uow, kind, at).last(count)
    totals = await period_totals(session, periods, now=uow.now, units=within)
    points = [
        ActivityPointPublic(
            **PeriodPublic.of(period, uow.now).model_dump(), figures=figures_public(figures)
        )
        for period, figures in zip(periods, totals, strict=True)
    ]
    return ActivitySeriesPublic(unit_id=unit_id, period_kind=kind.value, periods=points)


async def unit_ranking(session: AsyncSession, year: Period, now: datetime) -> list[Row]:
    """Units with a headcount, most active first, over ``year`` (unit of the year)."""
    org = Organisation.of(await load_units(session))
    current = await raw_figures(session, year, now=now)
    return ranked(rows(Level.UNIT, current, {}, org))
