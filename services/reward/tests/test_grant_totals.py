"""HR's period totals are summed in the database: they must book every grant exactly where its
report row does (the grant's own unit and department, else its idea's unit and that unit's
department), count only the period's grants, and give zeros for an empty period."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from award_testkit import HR, KIRJASTO, SETTINGS, SIVI, as_person, seed_idea

from ideapaja_reward.db.models import OrgUnitRow, RewardGrant
from ideapaja_reward.usecases import grant_reports
from ideapaja_runtime.db import Database

NOW = datetime.now(UTC).replace(microsecond=0)
TODAY = NOW.date()
Sums = tuple[int, Decimal, int, int]
PERIOD = (TODAY - timedelta(days=3), TODAY + timedelta(days=1))


def grant(
    number: int, kind: str, *, at: datetime = NOW, idea_id: str = "i-1", **fields: Any
) -> RewardGrant:
    return RewardGrant(
        grant_id=f"g-{number}",
        idea_id=idea_id,
        person_id=f"p-{number % 3}",
        origin="rule:submitted",
        kind=kind,
        amount_cents=fields.pop("amount_cents", 0),
        currency="EUR",
        points=fields.pop("points", 0),
        reason="test",
        cause_event_id=f"e-{number}",
        granted_at=at,
        **fields,
    )


async def seed(db: Database) -> None:
    await seed_idea(db)  # i-1 of the library, in SIVI
    async with db.transaction() as session:
        session.add(
            OrgUnitRow(
                unit_id="u-pool", kind="unit", parent_id="u-liikunta", name_fi="Pool", as_of=NOW
            )
        )
        session.add(
            OrgUnitRow(
                unit_id="u-liikunta", kind="department", parent_id=None, name_fi="L", as_of=NOW
            )
        )
        session.add_all(
            [
                grant(1, "points", points=10),  # unit and department from the idea
                grant(2, "points", points=5, at=NOW - timedelta(days=1)),
                grant(3, "money", amount_cents=1234, unit_id=KIRJASTO, department_id=SIVI),
                grant(4, "gift_card", amount_cents=500, unit_id="u-pool"),  # department: HR's tree
                grant(5, "days_off", days=2, unit_id="u-pool", department_id="u-liikunta"),
                grant(6, "points", points=7, idea_id="i-unknown"),  # no unit, no department
                grant(7, "money", amount_cents=999, at=NOW - timedelta(days=30)),  # before
                grant(8, "money", amount_cents=111, at=NOW + timedelta(days=5)),  # after
            ]
        )


def folded(rows: list[grant_reports.ReportRow]) -> dict[str, dict[str | None, Sums]]:
    """The totals as the report rows add up, one grant at a time (what HR's CSV says)."""
    keys: dict[str, Callable[[grant_reports.ReportRow], str | None]] = {
        "units": lambda r: r.unit_id,
        "departments": lambda r: r.department_id,
        "kinds": lambda r: r.grant.kind,
    }
    answer: dict[str, dict[str | None, Sums]] = {}
    for name, key in keys.items():
        sums: dict[str | None, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
        for row in rows:
            total = sums[key(row)]
            total[0] += 1
            total[1] += row.grant.amount_cents
            total[2] += row.grant.points
            total[3] += row.grant.days or 0
        answer[name] = {k: (n, Decimal(c) / 100, p, d) for k, (n, c, p, d) in sums.items()}
    return answer


async def test_totals_book_every_grant_where_its_report_row_does(reward_db: Database) -> None:
    await seed(reward_db)
    totals, _ = await as_person(reward_db, HR, lambda uow: grant_reports.totals(uow, *PERIOD))
    rows, _ = await as_person(reward_db, HR, lambda uow: grant_reports.report_rows(uow, *PERIOD))
    assert sorted(row.grant.grant_id for row in rows) == [f"g-{n}" for n in range(1, 7)]
    expected = folded(rows)
    for name in ("units", "departments", "kinds"):
        found = {t.id: (t.grants, t.amount, t.points, t.days) for t in getattr(totals, name)}
        assert found == expected[name], name
    assert totals.units[-1].id is None  # "no unit" sorts last, the rest by id
    assert [t.id for t in totals.departments] == ["u-liikunta", SIVI, None]
    assert (totals.total.grants, totals.total.amount, totals.total.points, totals.total.days) == (
        6,
        Decimal("17.34"),
        22,
        2,
    )
    assert totals.currency == SETTINGS.award_currency


async def test_an_empty_period_sums_to_zero(reward_db: Database) -> None:
    await seed(reward_db)
    empty = (date(2000, 1, 1), date(2000, 1, 31))
    totals, _ = await as_person(reward_db, HR, lambda uow: grant_reports.totals(uow, *empty))
    assert (totals.total.grants, totals.total.amount, totals.units, totals.kinds) == (
        0,
        Decimal("0.00"),
        [],
        [],
    )
