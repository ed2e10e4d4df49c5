"""A supporter hears the decision and the implementation of an idea they backed even when the
supports' consumer records their support only after the news was handled (the two consumers
catch up each at its own pace; the fault suite lost such notices before), once, and a person
who supported only after the news is not told it."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, datetime, timedelta

import pytest
from notification_testkit import (
    decided,
    deliveries,
    envelope_of,
    handle,
    inbox_items,
    person,
    retention_expired,
    submitted,
)
from sqlalchemy import select

from ideapaja_contracts import Event
from ideapaja_contracts.envelope import Envelope
from ideapaja_contracts.events.idea import IdeaSupported
from ideapaja_contracts.events.progress import ImplementationCompleted
from ideapaja_notification import handlers
from ideapaja_notification.db.models import SupporterNews
from ideapaja_runtime.db import Database, is_sqlite
from ideapaja_runtime.messaging import Handler, HandlerContext

DECIDED_AT = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
BEFORE, AFTER = DECIDED_AT - timedelta(days=2), DECIDED_AT + timedelta(hours=1)


def at(event: Event, moment: datetime) -> Envelope:
    return dataclasses.replace(envelope_of(event), time=moment)


def supported(idea_id: str, person_id: str) -> IdeaSupported:
    return IdeaSupported(idea_id=idea_id, supporter_id=person_id, support_count=1)


async def _idea_with_people(db: Database) -> None:
    for pid, language in (("p-a", "fi"), ("p-early", "sv"), ("p-late", "fi"), ("p-on", "fi")):
        await handle(db, handlers.on_person_upserted, person(pid, language=language))
    await handle(db, handlers.on_idea_submitted, submitted("i-1", authors=["p-a"]))


async def _support(db: Database, person_id: str, moment: datetime) -> None:
    event = supported("i-1", person_id)
    await handle(db, handlers.on_idea_supported, event, at(event, moment))


async def _told(db: Database, template: str) -> list[str]:
    return sorted(d.person_id for d in await deliveries(db) if d.template == template)


async def test_a_support_recorded_after_its_decision_is_told_the_decision_once(
    notification_db: Database,
) -> None:
    db = notification_db
    await _idea_with_people(db)
    await _support(db, "p-on", BEFORE)  # recorded in time: told by the decision's consumer
    decision = decided("i-1", rationale="Säästää aikaa.")
    decision_envelope = at(decision, DECIDED_AT)
    await handle(db, handlers.on_review_decided_for_supporters, decision, decision_envelope)
    assert await _told(db, "supported_idea_decided") == ["p-on"]

    # Made two days before the decision, recorded only now: told now, in their language.
    await _support(db, "p-early", BEFORE)
    # Made after the decision: they saw it decided; not told.
    await _support(db, "p-late", AFTER)
    # The decision delivered again (a replay) and an author's own support tell nobody more.
    await handle(db, handlers.on_review_decided_for_supporters, decision, decision_envelope)
    await _support(db, "p-a", BEFORE)

    assert await _told(db, "supported_idea_decided") == ["p-early", "p-on"]
    early = [d for d in await deliveries(db) if d.person_id == "p-early"]
    assert "som du stöder har godkänts" in early[0].body and "Säästää aikaa." in early[0].body
    assert early[0].cause_event_id == decision_envelope.id
    assert [i.kind for i in await inbox_items(db, "p-early")] == ["supported_idea_decided"]


async def test_an_implementation_reaches_a_support_recorded_late(
    notification_db: Database,
) -> None:
    db = notification_db
    await _idea_with_people(db)
    done = ImplementationCompleted(
        idea_id="i-1", owner_id="p-9", realised_benefit="Kaksi tuntia viikossa."
    )
    handler: Handler = handlers.on_implementation_completed_for_supporters
    await handle(db, handler, done, at(done, DECIDED_AT))
    assert await _told(db, "supported_idea_implemented") == []
    await _support(db, "p-early", BEFORE)
    await _support(db, "p-late", AFTER)
    assert await _told(db, "supported_idea_implemented") == ["p-early"]


async def test_retention_forgets_the_news(notification_db: Database) -> None:
    db = notification_db
    await _idea_with_people(db)
    decision = decided("i-1")
    await handle(db, handlers.on_review_decided_for_supporters, decision, at(decision, DECIDED_AT))
    await handle(
        db,
        handlers.on_idea_retention_expired,
        retention_expired("i-1", "accepted"),
    )
    async with db.transaction() as session:
        assert (await session.scalars(select(SupporterNews))).all() == []
    await _support(db, "p-early", BEFORE)
    assert await _told(db, "supported_idea_decided") == []


async def test_a_support_and_its_decision_handled_at_the_same_moment_tell_the_supporter(
    notification_db: Database,
) -> None:
    """The two consumers' transactions overlapping (on PostgreSQL, READ COMMITTED: each would
    see neither the other's support nor its news, and nobody would be told; the fault suite's
    F2 on PostgreSQL lost a notice so): whichever commits second tells the supporter."""
    db = notification_db
    await _idea_with_people(db)
    decision = decided("i-1")
    deciding = HeldOpen(handlers.on_review_decided_for_supporters)
    decided_task = asyncio.create_task(handle(db, deciding, decision, at(decision, DECIDED_AT)))
    await deciding.handled.wait()
    support = supported("i-1", "p-early")
    supporting = asyncio.create_task(
        handle(db, handlers.on_idea_supported, support, at(support, BEFORE))
    )
    await asyncio.sleep(0.5)  # the support's transaction runs as far as it can meanwhile
    deciding.commit.set()
    await asyncio.gather(decided_task, supporting)
    assert await _told(db, "supported_idea_decided") == ["p-early"]


class HeldOpen:
    """A handler whose transaction stays open once it has run (its writes flushed, so the
    database holds its locks), until ``commit`` is set."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.handled, self.commit = asyncio.Event(), asyncio.Event()

    async def __call__(self, event: Event, ctx: HandlerContext) -> None:
        await self.handler(event, ctx)
        await ctx.session.flush()
        self.handled.set()
        await self.commit.wait()


async def test_a_support_handled_before_its_idea_was_known_and_a_decision_after_tell_the_supporter(
    notification_db: Database,
) -> None:
    """The support's transaction begins before the idea is projected (no idea row to lock) and
    commits after the decision's, which came once the idea was known: neither sees the other's
    row unless they wait for each other all the same (F2 on PostgreSQL, 1 of 500 lost)."""
    db = notification_db
    if is_sqlite(db.url):
        pytest.skip("SQLite has one writer at a time: the two transactions cannot overlap")
    for pid in ("p-a", "p-early"):
        await handle(db, handlers.on_person_upserted, person(pid))
    supporting = HeldOpen(handlers.on_idea_supported)
    support = supported("i-1", "p-early")
    supported_task = asyncio.create_task(handle(db, supporting, support, at(support, BEFORE)))
    await supporting.handled.wait()
    await handle(db, handlers.on_idea_submitted, submitted("i-1", authors=["p-a"]))
    decision = decided("i-1")
    deciding = asyncio.create_task(
        handle(db, handlers.on_review_decided_for_supporters, decision, at(decision, DECIDED_AT))
    )
    await asyncio.sleep(0.5)  # the decision's transaction runs as far as it can meanwhile
    supporting.commit.set()
    await asyncio.gather(supported_task, deciding)
    assert await _told(db, "supported_idea_decided") == ["p-early"]
