"""Reports of the grants of a period, for HR: every grant as a CSV row, and totals per unit,
department and kind. A period is whole days in the city's time, ``start`` to ``end`` inclusive,
at most a year."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select

from ideapaja_reward.award_schemas import GrantTotal, GrantTotalsPublic
from ideapaja_reward.db.models import RewardGrant, RewardIdea
from ideapaja_reward.db.org import load_units
from ideapaja_reward.domain.awards import AwardRuleBroken
from ideapaja_reward.domain.money import amount_from_cents
from ideapaja_reward.domain.org import department_of
from ideapaja_reward.usecases.payroll import award_id_of, payroll_zone, period_of
from ideapaja_runtime.uow import UnitOfWork

MAX_DAYS = 366
COLUMNS = (
    "grant_id",
    "granted_at",
    "period",
    "person_id",
    "kind",
    "amount",
    "currency",
    "points",
    "days",
    "taxable",
    "unit_id",
    "department_id",
    "idea_id",
    "approval_trail_id",
    "reason",
)


@dataclass(frozen=True)
class ReportRow:
    grant: RewardGrant
    unit_id: str | None
    department_id: str | None
    period: str

    def cells(self) -> list[object]:
        grant = self.grant
        return [
            grant.grant_id,
            grant.granted_at,
            self.period,
            grant.person_id,
            grant.kind,
            amount_from_cents(grant.amount_cents),
            grant.currency,
            grant.points,
            grant.days,
            grant.taxable,
            self.unit_id,
            self.department_id,
            grant.idea_id,
            award_id_of(grant.origin),
            grant.reason,
        ]


def check_period(start: date, end: date) -> None:
    if end < start:
        raise AwardRuleBroken("period", "the period ends before it starts", field="to")
    if (end - start).days + 1 > MAX_DAYS:
        raise AwardRuleBroken("period", f"a report covers at most {MAX_DAYS} days", field="to")


def _bounds(uow: UnitOfWork[Any], start: date, end: date) -> tuple[datetime, datetime]:
    """The period's first instant and the instant after its last day, in the city's time."""
    check_period(start, end)
    zone = payroll_zone(uow.settings)
    return datetime.combine(start, time(), zone), datetime.combine(
        end + timedelta(days=1), time(), zone
    )


async def report_rows(uow: UnitOfWork[Any], start: date, end: date) -> list[ReportRow]:
    """The period's grants, oldest first, with the unit and department payroll books them
    under (a grant from before these were stored: its idea's unit and today's department)."""
    since, until = _bounds(uow, start, end)
    found = await uow.session.execute(
        select(RewardGrant, RewardIdea.unit_id)
        .outerjoin(RewardIdea, RewardIdea.idea_id == RewardGrant.idea_id)
        .where(RewardGrant.granted_at >= since, RewardGrant.granted_at < until)
        .order_by(RewardGrant.granted_at, RewardGrant.grant_id)
    )
    units = await load_units(uow.session)
    rows = []
    for grant, idea_unit in found.all():
        unit_id = grant.unit_id or idea_unit
        department_id = grant.department_id
        if department_id is None and unit_id is not None:
            department_id = department_of(unit_id, units)
        rows.append(
            ReportRow(grant, unit_id, department_id, period_of(uow.settings, grant.granted_at))
        )
    return rows


@dataclass(frozen=True)
class _Group:
    """The grants of one unit, department and kind, summed (a row of the grouped query)."""

    unit_id: str | None
    department_id: str | None
    kind: str
    sums: tuple[int, int, int, int]  # grants, cents, points, days


def _totals(groups: Iterable[_Group], key: Callable[[_Group], str | None]) -> list[GrantTotal]:
    sums: dict[str | None, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for group in groups:
        total = sums[key(group)]
        for index, value in enumerate(group.sums):
            total[index] += value
    return [
        GrantTotal(id=name, grants=n, amount=amount_from_cents(cents), points=points, days=days)
        for name, (n, cents, points, days) in sorted(
            sums.items(), key=lambda item: (item[0] is None, item[0] or "")
        )
    ]


async def totals(uow: UnitOfWork[Any], start: date, end: date) -> GrantTotalsPublic:
    """The period's grants summed per unit, department and kind: grouped in the database (a
    year of a city's grants is tens of thousands of rows; its groups are a few hundred), with
    the same unit and department each grant's report row books it under."""
    since, until = _bounds(uow, start, end)
    # A grant's own unit, else its idea's: looked up only for the grants without one (an outer
    # join to the ideas read an idea for every grant, 3x the statement's time on 10,000).
    idea_unit = (
        select(RewardIdea.unit_id)
        .where(RewardIdea.idea_id == RewardGrant.idea_id)
        .scalar_subquery()
    )
    booked = (
        select(
            func.coalesce(RewardGrant.unit_id, idea_unit).label("unit_id"),
            RewardGrant.department_id,
            RewardGrant.kind,
            RewardGrant.amount_cents,
            RewardGrant.points,
            RewardGrant.days,
        )
        .where(RewardGrant.granted_at >= since, RewardGrant.granted_at < until)
        .subquery()
    )
    keys = (booked.c.unit_id, booked.c.department_id, booked.c.kind)
    found = await uow.session.execute(
        select(
            *keys,
            func.count(),
            func.coalesce(func.sum(booked.c.amount_cents), 0),
            func.coalesce(func.sum(booked.c.points), 0),
            func.coalesce(func.sum(booked.c.days), 0),
        ).group_by(*keys)
    )
    units = await load_units(uow.session)
    groups = [
        _Group(
            unit_id,
            department_id
            if department_id is not None or unit_id is None
            else department_of(unit_id, units),
            kind,
            (int(n), int(cents), int(points), int(days or 0)),
        )
        for unit_id, department_id, kind, n, cents, points, days in found.all()
    ]
    [everything] = _totals(groups, lambda group: "all") or [
        GrantTotal(id="all", grants=0, amount=amount_from_cents(0), points=0, days=0)
    ]
    return GrantTotalsPublic(
        currency=uow.settings.award_currency,
        total=everything,
        units=_totals(groups, lambda group: group.unit_id),
        departments=_totals(groups, lambda group: group.department_id),
        kinds=_totals(groups, lambda group: group.kind),
    )
