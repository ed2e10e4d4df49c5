"""Handlers called directly on a real database: units, status projection, rewards."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from intake_testkit import LIBRARY, REVIEWER, database_with_idea, insert_idea
from sqlalchemy import func, select

from ideapaja_contracts import Event, encode
from ideapaja_contracts.events.hr import UnitKind, UnitUpserted
from ideapaja_contracts.events.idea import Scope
from ideapaja_contracts.events.review import Decision, ReviewDecided, ScreeningStarted
from ideapaja_contracts.events.reward import RewardGranted, RewardKind
from ideapaja_intake.app import service
from ideapaja_intake.db.models import Idea, IdeaReward, IdeaStatusChange, Unit
from ideapaja_intake.usecases.org import on_unit_upserted
from ideapaja_intake.usecases.timeline import (
    on_review_decided,
    on_reward_granted,
    on_screening_started,
)
from ideapaja_runtime.db import Database
from ideapaja_runtime.messaging import HandlerContext, RetryLater
from ideapaja_runtime.outbox import Outbox, outbox_table
from ideapaja_runtime.testing import handler_context, migrated_database
from ideapaja_runtime.testing_units import context_in

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    async with migrated_database(database_url, service.migrations) as database:
        yield database


@pytest.fixture
async def sqlite_db(sqlite_url: str) -> AsyncIterator[Database]:
    async with database_with_idea(sqlite_url) as database:
        yield database


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
    async with handler_context(db, message.envelope, outbox=Outbox("/ideapaja/intake")) as ctx:
        await handler(event, ctx)


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


async def test_events_of_one_batch_see_each_others_history(sqlite_db: Database) -> None:
    """A consumer handles a batch in one transaction: each event's status is computed with the
    entries written before it in the batch and its own, and the same event twice in the batch
    is recorded once."""
    events = [
        (on_screening_started, screening(), 1, "ev-screening"),
        (on_review_decided, decision(), 5, "ev-decided"),
        (on_review_decided, decision(), 5, "ev-decided"),
    ]
    async with sqlite_db.transaction() as session:
        for handler, event, minutes, event_id in events:
            time = T0 + timedelta(minutes=minutes)
            message = encode(event, source="/test", time=time, event_id=event_id)
            await handler(event, context_in(session, message.envelope))
    statuses = [r.status for r in await history(sqlite_db)]
    assert statuses == ["submitted", "screening", "accepted"]
    assert await idea_status(sqlite_db) == ("accepted", T0 + timedelta(minutes=5))


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


# --- the rest of the lifecycle -------------------------------------------------------------------


async def test_the_whole_lifecycle_builds_the_timeline(sqlite_db: Database) -> None:
    from datetime import date

    from ideapaja_contracts.events.progress import (
        ExperimentCompleted,
        ExperimentOutcome,
        ExperimentStarted,
        ImplementationCompleted,
        PracticePublished,
    )
    from ideapaja_contracts.events.review import (
        CaseReopened,
        InfoProvided,
        InfoRequested,
        ReviewStarted,
    )
    from ideapaja_intake.usecases.timeline import (
        on_case_reopened,
        on_experiment_completed,
        on_experiment_started,
        on_implementation_completed,
        on_info_provided,
        on_info_requested,
        on_practice_published,
        on_review_started,
    )

    case = {"case_id": "c-1", "idea_id": "i-1"}
    steps: list[tuple[Handler, Event, str]] = [
        (on_screening_started, screening(), "screening"),
        (on_info_requested, InfoRequested(requested_by=REVIEWER, question="Mitkä illat?", **case),
         "needs_info"),
        (on_info_provided, InfoProvided(author_ref="a-0000000000000000", answer="Ti ja to",
                                        **case), "screening"),
        (on_review_started, ReviewStarted(started_by=REVIEWER, scope=Scope.UNIT,
                                          unit_id="u-kirjasto", reviewer_ids=[REVIEWER], **case),
         "in_review"),
        (on_review_decided, decision(Decision.REJECTED), "rejected"),
        (on_case_reopened, CaseReopened(reopened_by="a-0000000000000000", by_author=True,
                                        previous_decision=Decision.REJECTED,
                                        reason="Uutta tietoa", **case), "reopened"),
        (on_review_decided, decision(Decision.ACCEPTED), "accepted"),
        (on_experiment_started, ExperimentStarted(
            idea_id="i-1", experiment_id="x-1", pilot_unit_ids=["u-kirjasto"],
            hypothesis="Lainaus kasvaa", measure="lainat/viikko", starts_on=date(2026, 4, 1),
            ends_on=date(2026, 6, 30)), "experiment"),
        (on_experiment_completed, ExperimentCompleted(
            idea_id="i-1", experiment_id="x-1", result="+18 %",
            outcome=ExperimentOutcome.SCALE), "experiment_completed"),
        (on_implementation_completed, ImplementationCompleted(idea_id="i-1", owner_id=REVIEWER),
         "implemented"),
        (on_practice_published, PracticePublished(
            idea_id="i-1", practice_id="gp-1", title="Iltakirjasto", summary="s",
            published_by=REVIEWER), "good_practice"),
    ]  # fmt: skip
    for minute, (handler, event, expected) in enumerate(steps, start=1):
        await deliver(sqlite_db, handler, event, minutes=minute)
        assert (await idea_status(sqlite_db))[0] == expected, type(event).__name__
    rows = await history(sqlite_db)
    assert [r.kind for r in rows] == [
        None, "screening_started", "info_requested", "info_provided", "review_started",
        "decided", "reopened", "decided", "experiment_started", "experiment_completed",
        "implemented", "practice_published",
    ]  # fmt: skip
    assert rows[2].note == "Mitkä illat?" and rows[3].actor_id == "a-0000000000000000"
    assert (rows[9].rationale, rows[9].note) == ("+18 %", "scale")
    assert rows[11].note == "Iltakirjasto"


async def test_a_withdrawn_idea_stays_withdrawn_whatever_review_says(sqlite_db: Database) -> None:
    async with sqlite_db.transaction() as session:
        idea = await session.get(Idea, "i-1")
        assert idea is not None
        from ideapaja_intake.db.ideas import apply_status_change

        await apply_status_change(session, idea, IdeaStatusChange(
            idea_id="i-1", event_id="e-w", status="withdrawn", kind="withdrawn",
            occurred_at=T0 + timedelta(minutes=3), recorded_at=T0,
        ))  # fmt: skip
    await deliver(sqlite_db, on_review_decided, decision(), minutes=9)
    assert (await idea_status(sqlite_db))[0] == "withdrawn"


async def test_a_merge_moves_the_supporters_once(sqlite_db: Database) -> None:
    from ideapaja_contracts.events.review import IdeaForwarded, IdeaMerged
    from ideapaja_intake.db.models import IdeaSupport
    from ideapaja_intake.usecases.timeline import on_idea_forwarded, on_idea_merged

    async with sqlite_db.transaction() as session:
        await insert_idea(session, "i-2", author_id="p-2002")
        for person in ("p-3", "p-4", "p-2002"):
            session.add(IdeaSupport(idea_id="i-1", person_id=person, supported_at=T0))
        session.add(IdeaSupport(idea_id="i-2", person_id="p-4", supported_at=T0))
        target = await session.get(Idea, "i-2")
        assert target is not None
        target.support_count = 1
    merged = IdeaMerged(case_id="c-1", idea_id="i-1", into_idea_id="i-2", merged_by=REVIEWER)
    await deliver(sqlite_db, on_idea_merged, merged, minutes=5, event_id="ev-merge")
    # The same merge again (the inbox normally stops it) changes nothing.
    await deliver(sqlite_db, on_idea_merged, merged, minutes=5, event_id="ev-merge")
    async with sqlite_db.transaction() as session:
        moved = (
            await session.scalars(select(IdeaSupport).where(IdeaSupport.idea_id == "i-2"))
        ).all()
        target = await session.get(Idea, "i-2")
        assert target is not None and target.support_count == 2
        events = (await session.execute(select(outbox_table))).mappings().all()
    # p-3 moved; p-4 already supported i-2; p-2002 wrote i-2 and cannot support it.
    assert {(s.person_id, s.moved_from) for s in moved} == {("p-3", "i-1"), ("p-4", None)}
    assert [e["subject"] for e in events] == ["ideapaja.idea.supported.v1"]
    assert (await idea_status(sqlite_db))[0] == "duplicate"
    assert (await history(sqlite_db))[-1].duplicate_of == "i-2"

    forwarded = IdeaForwarded(
        case_id="c-2",
        idea_id="i-2",
        from_unit_id="u-kirjasto",
        to_unit_id="u-museo",
        forwarded_by=REVIEWER,
        reason="Museon asia",
    )
    await deliver(sqlite_db, on_idea_forwarded, forwarded, minutes=6)
    assert (await idea_status(sqlite_db, "i-2"))[0] == "forwarded"
    assert (await history(sqlite_db, "i-2"))[-1].forwarded_to_unit_id == "u-museo"


async def test_merging_into_an_unknown_idea_waits(sqlite_db: Database) -> None:
    from ideapaja_contracts.events.review import IdeaMerged
    from ideapaja_intake.usecases.timeline import on_idea_merged

    with pytest.raises(RetryLater):
        await deliver(sqlite_db, on_idea_merged, IdeaMerged(
            case_id="c-1", idea_id="i-1", into_idea_id="i-404", merged_by=REVIEWER))  # fmt: skip
    assert [r.status for r in await history(sqlite_db)] == ["submitted"]


async def test_people_keep_the_newest_hr_record(db: Database) -> None:
    from ideapaja_contracts.events.hr import PersonLeft, PersonUpserted
    from ideapaja_intake.db.models import Person
    from ideapaja_intake.usecases.org import on_person_changed

    joined = PersonUpserted(person_id="p-5", unit_id="u-kirjasto", display_name="Aino",
                            email="aino@kuusijarvi.example")  # fmt: skip
    await deliver(db, on_person_changed, joined, minutes=1)
    await deliver(db, on_person_changed, PersonLeft(person_id="p-5", left_on="2026-05-31"),
                  minutes=10)  # fmt: skip
    await deliver(db, on_person_changed, joined, minutes=5)  # late and older: ignored
    async with db.transaction() as session:
        person = await session.get(Person, "p-5")
    assert person is not None and (person.active, person.unit_id) == (False, "u-kirjasto")
