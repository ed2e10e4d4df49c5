"""The in-app inbox's use cases on both databases: every notice is an item, once per event,
read and unread, purged after retention."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from notification_testkit import (
    decided,
    envelope_of,
    granted,
    handle,
    inbox_items,
    person,
    service_settings,
    submitted,
)

from ideapaja_contracts.events.review import Decision
from ideapaja_notification import handlers
from ideapaja_notification.errors import InboxItemNotFound
from ideapaja_notification.schemas import InboxItemPublic
from ideapaja_notification.usecases import inbox
from ideapaja_runtime.db import Database
from ideapaja_runtime.pagination import PageRequest
from ideapaja_runtime.testing import uow_in

LONG = "Perustelu, joka on pitkä. " * 40


async def _decided_idea(db: Database) -> None:
    await handle(db, handlers.on_person_upserted, person("p-1", language="fi"))
    await handle(db, handlers.on_person_upserted, person("p-2", language="en"))
    await handle(db, handlers.on_idea_submitted, submitted("i-1", authors=["p-1", "p-2"]))
    decision = decided("i-1", Decision.ACCEPTED, rationale=LONG)
    envelope = envelope_of(decision)
    await handle(db, handlers.on_review_decided, decision, envelope)
    # Delivered again (a replay after the inbox was pruned): nothing twice.
    await handle(db, handlers.on_review_decided, decision, envelope)


async def test_every_notice_is_an_inbox_item_once_in_its_language(
    notification_db: Database,
) -> None:
    db = notification_db
    await _decided_idea(db)
    await handle(db, handlers.on_reward_granted, granted("i-1", "p-1"))
    mine = await inbox_items(db, "p-1")
    assert [i.kind for i in mine] == ["idea_accepted", "reward_granted"]
    decision = mine[0]
    assert decision.title == "Ideasi on hyväksytty: Kirjaston iltapäivystys"
    assert decision.text.startswith("Ideasi ”Kirjaston iltapäivystys” on hyväksytty.")
    assert len(decision.text) <= 300 and decision.text.endswith("\u2026")
    assert (decision.link, decision.idea_id, decision.read_at) == ("/ideas/i-1", "i-1", None)
    assert mine[1].text.startswith("Sinulle on myönnetty palkkio: 50 pistettä.")
    [theirs] = await inbox_items(db, "p-2")
    assert (theirs.language, theirs.title) == (
        "en",
        "Your idea has been accepted: Kirjaston iltapäivystys",
    )


async def test_reading_marks_the_callers_own_only(notification_db: Database) -> None:
    db = notification_db
    await _decided_idea(db)
    await handle(db, handlers.on_review_decided, decided("i-1", Decision.REJECTED))
    [first, _second] = await inbox_items(db, "p-1")
    [other] = [i for i in await inbox_items(db, "p-2") if i.kind == "idea_accepted"]
    settings = service_settings()
    async with db.transaction() as session:
        uow = uow_in(session, settings)
        assert await inbox.unread_count(uow, "p-1") == 2
        read = await inbox.mark_read(uow, "p-1", first.id)
        assert read.read_at is not None
        with pytest.raises(InboxItemNotFound):
            await inbox.mark_read(uow, "p-1", other.id)
        with pytest.raises(InboxItemNotFound):
            await inbox.mark_read(uow, "p-1", "no-such-item")
        assert await inbox.unread_count(uow, "p-1") == 1
        unread = await inbox.items_of(uow, "p-1", PageRequest(), InboxItemPublic, unread=True)
        assert [i.kind for i in unread.items] == ["idea_rejected"]
        assert await inbox.mark_all_read(uow, "p-1") == 1
        assert await inbox.unread_count(uow, "p-1") == 0
        # The other person's stays unread.
        assert await inbox.unread_count(uow, "p-2") == 2


async def test_items_older_than_the_retention_are_purged(notification_db: Database) -> None:
    db = notification_db
    await _decided_idea(db)
    later = datetime.now(UTC) + timedelta(days=1)
    await handle(db, handlers.on_review_decided, decided("i-1", Decision.REJECTED))
    async with db.transaction() as session:
        uow = uow_in(session, service_settings())
        assert await inbox.purge_older_than(uow, later - timedelta(days=2), 10) == 0
        # Four items, a batch of three, then the last one.
        assert await inbox.purge_older_than(uow, later, 3) == 3
        assert await inbox.purge_older_than(uow, later, 3) == 1
    assert await inbox_items(db) == []
