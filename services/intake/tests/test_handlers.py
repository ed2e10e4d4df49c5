"""Handlers called directly on a real database: units, status projection, rewards."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from intake_testkit import LIBRARY, REVIEWER, insert_idea
from sqlalchemy import func, select

from ideapaja_contracts import Event, encode
from ideapaja_contracts.events.hr import UnitKind, UnitUpserted
from ideapaja_contracts.events.idea import Scope
from ideapaja_contracts.events.review import Decision, ReviewDecided, ScreeningStarted
from ideapaja_contracts.events.reward import RewardGranted, RewardKind
from ideapaja_intake.app import service
from ideapaja_intake.db.models import Idea, IdeaReward, IdeaStatusChange, Unit
from ideapaja_intake.handlers import (
    on_review_decided,
    on_reward_granted,
    on_screening_started,
    on_unit_upserted,
)
from ideapaja_runtime.db import Database
from ideapaja_runtime.messaging import HandlerContext, RetryLater
from ideapaja_runtime.outbox import Outbox, outbox_table

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    await database.migrate(service.migrations)
    yield database
    await database.dispose()


@pytest.fixture
async def sqlite_db(sqlite_url: str) -> AsyncIterator[Database]:
    database = Database(sqlite_url)
    await database.migrate(service.migrations)
    async with database.transaction() as session:
        await insert_idea(session, "i-1")
    yield database
    await database.dispose()


Handler = Callable[[Any, HandlerContext], Awaitable[None]]


async def deliver(
    db: Database,
    handler: Handler,
    event: Event,
    *,
    minutes: int = 0,
    event_id: str | None = None,
) -> None:
    message = encode(event, source="/test", time=T0 + timedelta(minutes=minutes), event_id=event_id)
    async with db.transaction() as session:
        await handler(event, HandlerContext(session, message.envelope, Outbox("/ideapaja/intake")))


async def idea_status(db: Database, idea_id: str = "i-1") -> tuple[str, datetime]:
    async with db.transaction() as session:
        idea = await session.get(Idea, idea_id)
        assert idea is not None
        return idea.status, idea.status_changed_at


async def history(db: Database, idea_id: str = "i-1") -> list[IdeaStatusChange]:
    async with db.transaction() as session:
        rows = await session.scalars(
            select(IdeaStatusChange)
            .where(IdeaStatusChange.idea_id == idea_id)
            .order_by(IdeaStatusChange.occurred_at)
        )
        return list(rows.all())


async def outbox_count(db: Database) -> int:
    async with db.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(outbox_table)) or 0)


def screening(case_id: str = "c-1") -> ScreeningStarted:
    return ScreeningStarted(
        case_id=case_id,
        idea_id="i-1",
        scope=Scope.UNIT,
        unit_id="u-kirjasto",
        reviewer_ids=[REVIEWER],
    )


def decision(decision: Decision = Decision.ACCEPTED, **extra: Any) -> ReviewDecided:
    return ReviewDecided(
        case_id="c-1",
        idea_id="i-1",
        decision=decision,
        rationale="Kokeillaan kevään ajan.",
        decided_by=REVIEWER,
        scope=Scope.UNIT,
        unit_id="u-kirjasto",
        **extra,
    )


# --- units -------------------------------------------------------------------------------------


async def unit(db: Database, unit_id: str) -> Unit | None:
    async with db.transaction() as session:
        return await session.get(Unit, unit_id)


async def test_units_keep_the_newest_description_whatever_the_order(db: Database) -> None:
    await deliver(db, on_unit_upserted, LIBRARY, minutes=10)
    stored = await unit(db, "u-kirjasto")
    assert stored is not None
    assert (stored.kind, stored.parent_id, stored.name_sv) == ("unit", "d-sivistys", "Biblioteket")

    renamed = LIBRARY.model_copy(update={"name_fi": "Pääkirjasto", "name_en": "Main library"})
    await deliver(db, on_unit_upserted, renamed, minutes=20)
    stale = LIBRARY.model_copy(update={"name_fi": "Vanha nimi"})
    await deliver(db, on_unit_upserted, stale, minutes=15)

    stored = await unit(db, "u-kirjasto")
    assert stored is not None
    assert (stored.name_fi, stored.name_en) == ("Pääkirjasto", "Main library")
    assert stored.hr_event_time == T0 + timedelta(minutes=20)


async def test_a_unit_may_arrive_before_its_department(db: Database) -> None:
    orphan = UnitUpserted(
        unit_id="u-uimahalli", kind=UnitKind.UNIT, parent_id="d-vapaa-aika", name_fi="Uimahalli"
    )
    await deliver(db, on_unit_upserted, orphan)
    stored = await unit(db, "u-uimahalli")
    assert stored is not None and stored.parent_id == "d-vapaa-aika"
    assert (stored.name_sv, stored.name_en) == ("", "")


# --- status --------------------------------------------------------------------------------------


async def test_screening_then_decision_sets_status_and_keeps_who_when_why(db: Database) -> None:
    async with db.transaction() as session:
        await insert_idea(session, "i-1")
    await deliver(db, on_screening_started, screening(), minutes=1)
    assert await idea_status(db) == ("screening", T0 + timedelta(minutes=1))

    await deliver(db, on_review_decided, decision(), minutes=5)
    assert await idea_status(db) == ("accepted", T0 + timedelta(minutes=5))
    rows = await history(db)
    assert [r.status for r in rows] == ["submitted", "screening", "accepted"]
    accepted = rows[-1]
    assert (accepted.actor_id, accepted.rationale, accepted.case_id) == (
        REVIEWER,
        "Kokeillaan kevään ajan.",
        "c-1",
    )
    # Projections emit nothing.
    assert await outbox_count(db) == 0


async def test_a_screening_arriving_after_the_decision_is_kept_but_ignored(
    sqlite_db: Database,
) -> None:
    await deliver(sqlite_db, on_review_decided, decision(Decision.REJECTED), minutes=5)
    await deliver(sqlite_db, on_screening_started, screening(), minutes=6)
    assert await idea_status(sqlite_db) == ("rejected", T0 + timedelta(minutes=5))
    assert [r.status for r in await history(sqlite_db)] == ["submitted", "rejected", "screening"]


async def test_duplicate_and_forward_details_are_recorded(sqlite_db: Database) -> None:
    await deliver(
        sqlite_db, on_review_decided, decision(Decision.DUPLICATE, duplicate_of="i-0"), minutes=3
    )
    await deliver(
        sqlite_db,
        on_review_decided,
        decision(Decision.FORWARDED, forwarded_to_unit_id="u-museo"),
        minutes=4,
    )
    rows = await history(sqlite_db)
    assert (rows[1].status, rows[1].duplicate_of) == ("duplicate", "i-0")
    assert (rows[2].status, rows[2].forwarded_to_unit_id) == ("forwarded", "u-museo")
    assert (await idea_status(sqlite_db))[0] == "forwarded"


async def test_the_same_event_twice_is_recorded_once(sqlite_db: Database) -> None:
    # The inbox normally stops this; the projection must not depend on it.
    for _ in range(2):
        await deliver(sqlite_db, on_review_decided, decision(), minutes=5, event_id="ev-1")
    assert [r.status for r in await history(sqlite_db)] == ["submitted", "accepted"]


@pytest.mark.parametrize(
    ("handler", "event"),
    [
        (on_screening_started, screening()),
        (on_review_decided, decision()),
        (
            on_reward_granted,
            RewardGranted(
                idea_id="i-1",
                grant_id="g-1",
                person_id="p-1001",
                kind=RewardKind.POINTS,
                amount=Decimal(0),
                reason="r",
            ),
        ),
    ],
)
async def test_events_for_an_unknown_idea_are_retried_and_change_nothing(
    db: Database, handler: Handler, event: Event
) -> None:
    with pytest.raises(RetryLater, match="unknown idea i-1"):
        await deliver(db, handler, event)
    async with db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(IdeaStatusChange)) == 0
        assert await session.scalar(select(func.count()).select_from(IdeaReward)) == 0


# --- rewards -------------------------------------------------------------------------------------


async def test_a_granted_reward_marks_the_idea_rewarded_once(sqlite_db: Database) -> None:
    grant = RewardGranted(
        idea_id="i-1",
        grant_id="g-1",
        person_id="p-1001",
        kind=RewardKind.MONEY,
        amount=Decimal("50.00"),
        currency="EUR",
        reason="Hyvä idea",
    )
    await deliver(sqlite_db, on_reward_granted, grant)
    await deliver(sqlite_db, on_reward_granted, grant, event_id="another-copy")
    async with sqlite_db.transaction() as session:
        idea = await session.get(Idea, "i-1")
        assert idea is not None and idea.rewarded
        rewards = (await session.scalars(select(IdeaReward))).all()
    assert [(r.grant_id, r.person_id, r.kind) for r in rewards] == [("g-1", "p-1001", "money")]
