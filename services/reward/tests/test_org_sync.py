"""The org projection from HR events, on both databases: the hierarchy, people's moves and
departures as membership spans, headcounts at any instant, and stale events ignored."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from ideapaja_contracts import encode
from ideapaja_contracts.events.hr import PersonLeft, UnitKind, UnitUpserted
from ideapaja_reward.db import org
from ideapaja_reward.db.models import OrgMembershipRow
from ideapaja_reward.domain.org import department_of
from ideapaja_reward.usecases import org_sync
from ideapaja_runtime.db import Database
from ideapaja_runtime.outbox import Outbox
from ideapaja_runtime.testing import context_in
from ideapaja_runtime.testing_builders import person_upserted

T0 = datetime(2026, 1, 1, 8, tzinfo=UTC)


async def _at(db: Database, handler: object, event: object, when: datetime) -> None:
    envelope = encode(event, source="/test", time=when).envelope  # type: ignore[arg-type]
    async with db.transaction() as session:
        await handler(event, context_in(session, envelope, outbox=Outbox("/t")))  # type: ignore[operator]


async def _headcounts(db: Database, at: datetime) -> dict[str, int]:
    async with db.transaction() as session:
        return dict(await org.headcounts(session, at))


async def test_units_roll_up_and_an_older_unit_event_changes_nothing(reward_db: Database) -> None:
    department = UnitUpserted(unit_id="d-1", kind=UnitKind.DEPARTMENT, name_fi="Sivistys")
    unit = UnitUpserted(unit_id="u-1", kind=UnitKind.UNIT, parent_id="d-1", name_fi="Kirjasto")
    moved = unit.model_copy(update={"parent_id": "d-2"})
    await _at(reward_db, org_sync.on_unit_upserted, department, T0)
    await _at(reward_db, org_sync.on_unit_upserted, unit, T0 + timedelta(hours=2))
    await _at(reward_db, org_sync.on_unit_upserted, moved, T0 + timedelta(hours=1))  # stale

    async with reward_db.transaction() as session:
        units = await org.load_units(session)
    assert department_of("u-1", units) == "d-1"


async def test_moves_and_departures_are_spans_and_headcounts_read_any_instant(
    reward_db: Database,
) -> None:
    day = timedelta(days=1)
    await _at(reward_db, org_sync.on_person_upserted, person_upserted("p-1", "u-1"), T0)
    await _at(reward_db, org_sync.on_person_upserted, person_upserted("p-2", "u-1"), T0)
    # A name change in the same unit opens no new span.
    await _at(reward_db, org_sync.on_person_upserted, person_upserted("p-1", "u-1"), T0 + day)
    await _at(reward_db, org_sync.on_person_upserted, person_upserted("p-2", "u-2"), T0 + 10 * day)
    await _at(
        reward_db, org_sync.on_person_left, PersonLeft(person_id="p-1", left_on="x"), T0 + 20 * day
    )
    # A late, older event for p-1 must not bring them back.
    await _at(reward_db, org_sync.on_person_upserted, person_upserted("p-1", "u-3"), T0 + 15 * day)

    assert await _headcounts(reward_db, T0 - day) == {}
    assert await _headcounts(reward_db, T0 + 5 * day) == {"u-1": 2}
    assert await _headcounts(reward_db, T0 + 12 * day) == {"u-1": 1, "u-2": 1}
    assert await _headcounts(reward_db, T0 + 30 * day) == {"u-2": 1}

    async with reward_db.transaction() as session:
        spans = (
            await session.execute(
                select(OrgMembershipRow.person_id, OrgMembershipRow.unit_id).order_by(
                    OrgMembershipRow.person_id, OrgMembershipRow.since
                )
            )
        ).all()
    assert [tuple(row) for row in spans] == [("p-1", "u-1"), ("p-2", "u-1"), ("p-2", "u-2")]


async def test_a_person_who_returns_is_counted_again(reward_db: Database) -> None:
    day = timedelta(days=1)
    await _at(reward_db, org_sync.on_person_upserted, person_upserted("p-1", "u-1"), T0)
    await _at(
        reward_db, org_sync.on_person_left, PersonLeft(person_id="p-1", left_on="x"), T0 + day
    )
    await _at(reward_db, org_sync.on_person_upserted, person_upserted("p-1", "u-1"), T0 + 3 * day)

    assert await _headcounts(reward_db, T0 + 2 * day) == {}
    assert await _headcounts(reward_db, T0 + 4 * day) == {"u-1": 1}
