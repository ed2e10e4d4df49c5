"""Handlers called directly, as the runtime calls them, on real databases."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest
from reward_testkit import (
    SOURCE,
    decided,
    grants,
    handle,
    idea,
    implemented,
    ledger_entries,
    outbox_events,
    submitted,
)
from sqlalchemy.exc import IntegrityError

from ideapaja_contracts import encode
from ideapaja_contracts.events.review import Decision
from ideapaja_contracts.events.reward import PointsAwarded, RewardGranted
from ideapaja_reward.domain import RuleSet, entry_id, grant_id
from ideapaja_reward.handlers import RewardHandlers
from ideapaja_runtime.db import Database
from ideapaja_runtime.messaging import RetryLater
from ideapaja_runtime.outbox import Outbox
from ideapaja_runtime.testing import context_in

AUTHORS = ("p-1001", "p-1002")


@pytest.fixture
def handlers() -> RewardHandlers:
    return RewardHandlers(RuleSet.default())


async def test_submission_records_the_idea_and_rewards_each_author(
    sqlite_reward_db: Database, handlers: RewardHandlers
) -> None:
    event = submitted(authors=AUTHORS, anonymous=True)
    cause = await handle(sqlite_reward_db, handlers.on_idea_submitted, event)

    known = await idea(sqlite_reward_db, event.idea_id)
    assert known is not None
    assert (known.unit_id, known.author_ids, known.anonymous) == ("u-kirjasto", list(AUTHORS), True)
    assert known.accepted_at is None

    entries = await ledger_entries(sqlite_reward_db)
    assert sorted((e.person_id, e.rule, e.points, e.unit_id) for e in entries) == [
        ("p-1001", "submitted", 5, "u-kirjasto"),
        ("p-1002", "submitted", 5, "u-kirjasto"),
    ]
    assert {e.cause_event_id for e in entries} == {cause}

    awarded = await outbox_events(sqlite_reward_db, PointsAwarded)
    assert [(a["person_id"], a["points"], a["rule"], a["unit_id"]) for a in awarded] == [
        ("p-1001", 5, "submitted", "u-kirjasto"),
        ("p-1002", 5, "submitted", "u-kirjasto"),
    ]
    assert awarded[0]["entry_id"] == entry_id(event.idea_id, "p-1001", "submitted")
    # The entry id doubles as the event id, so even a re-emitted copy is recognisably the same.
    assert awarded[0]["ce-id"] == awarded[0]["entry_id"]


async def test_acceptance_grants_points_to_every_author_once(
    reward_db: Database, handlers: RewardHandlers
) -> None:
    event = submitted(authors=AUTHORS)
    await handle(reward_db, handlers.on_idea_submitted, event)
    await handle(reward_db, handlers.on_review_decided, decided(event.idea_id))

    accepted = [e for e in await ledger_entries(reward_db) if e.rule == "accepted"]
    assert sorted((e.person_id, e.points) for e in accepted) == [("p-1001", 50), ("p-1002", 50)]

    granted = [g for g in await outbox_events(reward_db, RewardGranted) if g["points"] == 50]
    assert [g["person_id"] for g in granted] == list(AUTHORS)
    for grant in granted:
        assert grant["grant_id"] == grant_id(event.idea_id, grant["person_id"], "accepted")
        assert grant["ce-id"] == grant["grant_id"]
        assert grant["kind"] == "points"
        assert grant["amount"] == "0.00"
        assert grant["currency"] is None
        assert grant["reason"] == "Idea accepted"
        assert grant["reason_code"] == "idea_accepted"  # what a reader's language is chosen by
        assert grant["idea_id"] == event.idea_id

    # Exactly one entry, one PointsAwarded and one RewardGranted per author per rule.
    assert len(await ledger_entries(reward_db)) == 4
    assert len(await grants(reward_db)) == 4
    assert len(await outbox_events(reward_db, PointsAwarded)) == 4
    assert len(await outbox_events(reward_db, RewardGranted)) == 4

    known = await idea(reward_db, event.idea_id)
    assert known is not None and known.accepted_at is not None


async def test_implementation_grants_its_own_points(
    sqlite_reward_db: Database, handlers: RewardHandlers
) -> None:
    event = submitted()
    await handle(sqlite_reward_db, handlers.on_idea_submitted, event)
    await handle(sqlite_reward_db, handlers.on_review_decided, decided(event.idea_id))
    await handle(sqlite_reward_db, handlers.on_implementation_completed, implemented(event.idea_id))

    entries = await ledger_entries(sqlite_reward_db)
    assert sorted((e.rule, e.points) for e in entries) == [
        ("accepted", 50),
        ("implemented", 100),
        ("submitted", 5),
    ]
    [granted] = [
        g for g in await outbox_events(sqlite_reward_db, RewardGranted) if g["points"] == 100
    ]
    assert granted["reason"] == "Idea implemented"
    known = await idea(sqlite_reward_db, event.idea_id)
    assert known is not None and known.implemented_at is not None


@pytest.mark.parametrize(
    "decision",
    [Decision.REJECTED, Decision.NEEDS_INFO, Decision.DUPLICATE, Decision.FORWARDED],
)
async def test_other_decisions_award_nothing(
    sqlite_reward_db: Database, handlers: RewardHandlers, decision: Decision
) -> None:
    event = submitted()
    await handle(sqlite_reward_db, handlers.on_idea_submitted, event)
    await handle(sqlite_reward_db, handlers.on_review_decided, decided(event.idea_id, decision))
    assert {e.rule for e in await ledger_entries(sqlite_reward_db)} == {"submitted"}
    known = await idea(sqlite_reward_db, event.idea_id)
    assert known is not None and known.accepted_at is None


async def test_other_decisions_need_no_idea(
    sqlite_reward_db: Database, handlers: RewardHandlers
) -> None:
    # A rejection of an idea not seen yet is simply not a reward: no reason to wait for it.
    await handle(
        sqlite_reward_db, handlers.on_review_decided, decided("i-unknown", Decision.REJECTED)
    )
    assert await ledger_entries(sqlite_reward_db) == []


async def test_replayed_events_under_new_ids_change_nothing(
    reward_db: Database, handlers: RewardHandlers
) -> None:
    event = submitted(authors=AUTHORS)
    decision = decided(event.idea_id)
    completion = implemented(event.idea_id)
    lifecycle = [
        (handlers.on_idea_submitted, event),
        (handlers.on_review_decided, decision),
        (handlers.on_implementation_completed, completion),
    ]

    async def counts() -> tuple[int, int, int, int]:
        """Ledger entries, grants, and the PointsAwarded and RewardGranted announced."""
        return (
            len(await ledger_entries(reward_db)),
            len(await grants(reward_db)),
            len(await outbox_events(reward_db, PointsAwarded)),
            len(await outbox_events(reward_db, RewardGranted)),
        )

    for handler, delivered in lifecycle:
        await handle(reward_db, handler, delivered)
    before = await counts()
    assert before == (6, 6, 6, 6)

    # The same events re-published under fresh event ids: the inbox cannot tell, the ledger can.
    for _ in range(2):
        for handler, delivered in lifecycle:
            await handle(reward_db, handler, delivered)
    assert await counts() == before


async def test_a_second_submission_keeps_the_first_record(
    sqlite_reward_db: Database, handlers: RewardHandlers
) -> None:
    first = submitted(authors=["p-1001"], unit_id="u-kirjasto")
    again = first.model_copy(update={"unit_id": "u-uimahalli", "author_ids": ["p-9999"]})
    await handle(sqlite_reward_db, handlers.on_idea_submitted, first)
    await handle(sqlite_reward_db, handlers.on_idea_submitted, again)
    known = await idea(sqlite_reward_db, first.idea_id)
    assert known is not None
    assert (known.unit_id, known.author_ids) == ("u-kirjasto", ["p-1001"])
    assert [e.person_id for e in await ledger_entries(sqlite_reward_db)] == ["p-1001"]


@pytest.mark.parametrize("which", ["decided", "implemented"])
async def test_outcome_before_the_idea_is_retried_later(
    sqlite_reward_db: Database, handlers: RewardHandlers, which: str
) -> None:
    event = submitted()
    early = (
        (handlers.on_review_decided, decided(event.idea_id))
        if which == "decided"
        else (handlers.on_implementation_completed, implemented(event.idea_id))
    )
    with pytest.raises(RetryLater, match=event.idea_id):
        await handle(sqlite_reward_db, *early)
    # The failed attempt left nothing behind (its transaction rolled back).
    assert await ledger_entries(sqlite_reward_db) == []
    assert await outbox_events(sqlite_reward_db, RewardGranted) == []

    await handle(sqlite_reward_db, handlers.on_idea_submitted, event)
    await handle(sqlite_reward_db, *early)
    rule = "accepted" if which == "decided" else "implemented"
    assert [e.person_id for e in await ledger_entries(sqlite_reward_db) if e.rule == rule] == [
        "p-1001"
    ]


async def test_zero_rules_record_the_idea_but_award_nothing(sqlite_reward_db: Database) -> None:
    handlers = RewardHandlers(RuleSet.from_setting({"submitted": 0, "accepted": 0}))
    event = submitted(authors=AUTHORS)
    await handle(sqlite_reward_db, handlers.on_idea_submitted, event)
    await handle(sqlite_reward_db, handlers.on_review_decided, decided(event.idea_id))
    await handle(sqlite_reward_db, handlers.on_implementation_completed, implemented(event.idea_id))

    known = await idea(sqlite_reward_db, event.idea_id)
    assert known is not None and known.accepted_at is not None
    assert await ledger_entries(sqlite_reward_db) == []
    assert await grants(sqlite_reward_db) == []
    assert await outbox_events(sqlite_reward_db, PointsAwarded) == []
    assert await outbox_events(sqlite_reward_db, RewardGranted) == []


async def test_times_are_stored_in_utc(
    sqlite_reward_db: Database, handlers: RewardHandlers
) -> None:
    event = submitted()
    helsinki = timezone(timedelta(hours=3))
    envelope = replace(
        encode(event, source="/test").envelope, time=datetime(2025, 6, 2, 12, 0, tzinfo=helsinki)
    )
    async with sqlite_reward_db.transaction() as session:
        await handlers.on_idea_submitted(
            event, context_in(session, envelope, outbox=Outbox(SOURCE))
        )
    [entry] = await ledger_entries(sqlite_reward_db)
    known = await idea(sqlite_reward_db, event.idea_id)
    assert known is not None
    # SQLite keeps no zone: the stored wall clock must be UTC, whatever the event's offset.
    nine_utc = datetime(2025, 6, 2, 9, 0)
    assert entry.occurred_at.replace(tzinfo=None) == nine_utc
    assert known.submitted_at.replace(tzinfo=None) == nine_utc


async def test_the_unique_key_refuses_a_second_entry_for_the_same_award(
    reward_db: Database, handlers: RewardHandlers
) -> None:
    """The last line of defence if two deliveries race: the database, not the check in code."""
    event = submitted()
    await handle(reward_db, handlers.on_idea_submitted, event)
    [entry] = await ledger_entries(reward_db)
    from ideapaja_reward.db.models import LedgerEntry

    with pytest.raises(IntegrityError):
        async with reward_db.transaction() as session:
            session.add(
                LedgerEntry(
                    entry_id="pe-other",
                    idea_id=entry.idea_id,
                    person_id=entry.person_id,
                    unit_id=entry.unit_id,
                    rule=entry.rule,
                    points=entry.points,
                    reason=entry.reason,
                    cause_event_id="other",
                    occurred_at=entry.occurred_at,
                    created_at=entry.created_at,
                )
            )


async def test_concurrent_copies_of_a_decision_grant_once(
    reward_db: Database, handlers: RewardHandlers
) -> None:
    """Two replicas handling two copies of one decision at the same time grant it once: the
    later one waits for the first to commit (locks), or fails on the unique keys and is
    redelivered."""
    event = submitted()
    await handle(reward_db, handlers.on_idea_submitted, event)
    decision = decided(event.idea_id)
    outbox = Outbox(SOURCE)
    first_envelope = encode(decision, source="/test").envelope
    async with reward_db.transaction() as session:
        await handlers.on_review_decided(
            decision, context_in(session, first_envelope, outbox=outbox)
        )
        # The copy starts while the first transaction is still open and has not committed.
        second = asyncio.create_task(handle(reward_db, handlers.on_review_decided, decision))
        await asyncio.sleep(0.3)  # gives the copy time to reach its insert (not an assertion)
    outcome = await asyncio.gather(second, return_exceptions=True)
    if isinstance(outcome[0], BaseException):
        assert isinstance(outcome[0], IntegrityError)
        # Its redelivery then finds the entry and does nothing.
        await handle(reward_db, handlers.on_review_decided, decision)
    assert [e.rule for e in await ledger_entries(reward_db)].count("accepted") == 1
    assert [g["points"] for g in await outbox_events(reward_db, RewardGranted)].count(50) == 1


async def test_a_co_author_confirming_later_earns_what_the_idea_has_earned(
    reward_db: Database, handlers: RewardHandlers
) -> None:
    from ideapaja_contracts.events.idea import IdeaUpdated

    event = submitted(authors=("p-1001",))
    await handle(reward_db, handlers.on_idea_submitted, event)
    await handle(reward_db, handlers.on_review_decided, decided(event.idea_id))
    confirmed = IdeaUpdated(
        idea_id=event.idea_id,
        revision=2,
        title=event.title,
        problem=event.problem,
        solution=event.solution,
        edited_by="p-1002",
        author_ids=["p-1001", "p-1002"],
    )
    await handle(reward_db, handlers.on_idea_updated, confirmed)
    # The same change again (another delivery under another event id) adds nothing.
    await handle(reward_db, handlers.on_idea_updated, confirmed)

    entries = sorted((e.person_id, e.rule) for e in await ledger_entries(reward_db))
    assert entries == [
        ("p-1001", "accepted"),
        ("p-1001", "submitted"),
        ("p-1002", "accepted"),
        ("p-1002", "submitted"),
    ]
    known = await idea(reward_db, event.idea_id)
    assert known is not None and known.author_ids == ["p-1001", "p-1002"]


async def test_an_edit_that_does_not_change_authors_changes_nothing(
    sqlite_reward_db: Database, handlers: RewardHandlers
) -> None:
    from ideapaja_contracts.events.idea import IdeaUpdated

    event = submitted(authors=("p-1001",))
    await handle(sqlite_reward_db, handlers.on_idea_submitted, event)
    edit = IdeaUpdated(
        idea_id=event.idea_id,
        revision=2,
        title="Uusi otsikko",
        problem="p",
        solution="s",
        edited_by="p-1001",
    )
    await handle(sqlite_reward_db, handlers.on_idea_updated, edit)
    assert len(await ledger_entries(sqlite_reward_db)) == 1
