"""Handlers called directly on a real SQLite database: projections and queued deliveries."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from notification_testkit import (
    decided,
    deliveries,
    envelope_of,
    granted,
    handle,
    left,
    new_id,
    person,
    retention_expired,
    revised,
    submitted,
)
from sqlalchemy import update

from ideapaja_contracts.events.review import Decision
from ideapaja_contracts.events.reward import RewardKind
from ideapaja_notification import handlers
from ideapaja_notification.db.models import Contact, Idea
from ideapaja_runtime.db import Database
from ideapaja_runtime.messaging import RetryLater


async def _contact(db: Database, person_id: str) -> Contact | None:
    async with db.transaction() as session:
        return await session.get(Contact, person_id)


async def _idea(db: Database, idea_id: str) -> Idea | None:
    async with db.transaction() as session:
        return await session.get(Idea, idea_id)


async def _known_people(db: Database, *people: tuple[str, str]) -> None:
    for person_id, language in people:
        await handle(db, handlers.on_person_upserted, person(person_id, language=language))


async def test_person_upserted_is_stored_then_updated(sqlite_notification_db: Database) -> None:
    db = sqlite_notification_db
    await handle(db, handlers.on_person_upserted, person("p-1", language="sv"))
    await handle(
        db,
        handlers.on_person_upserted,
        person("p-1", name="Åsa Öberg-Mäkelä", language="fi", email="asa@vaasa.example"),
    )
    contact = await _contact(db, "p-1")
    assert contact is not None
    assert (contact.display_name, contact.email, contact.language, contact.left_on) == (
        "Åsa Öberg-Mäkelä",
        "asa@vaasa.example",
        "fi",
        None,
    )


async def test_person_left_keeps_the_row_and_a_return_clears_it(
    sqlite_notification_db: Database,
) -> None:
    db = sqlite_notification_db
    await handle(db, handlers.on_person_upserted, person("p-1"))
    await handle(db, handlers.on_person_left, left("p-1"))
    contact = await _contact(db, "p-1")
    assert contact is not None and contact.left_on == "2025-05-31"
    assert contact.email == "p-1@vaasa.example"

    await handle(db, handlers.on_person_upserted, person("p-1"))
    contact = await _contact(db, "p-1")
    assert contact is not None and contact.left_on is None


async def test_person_left_for_an_unknown_person_changes_nothing(
    sqlite_notification_db: Database,
) -> None:
    await handle(sqlite_notification_db, handlers.on_person_left, left("p-never"))
    assert await _contact(sqlite_notification_db, "p-never") is None


async def test_idea_title_follows_newer_revisions_only(sqlite_notification_db: Database) -> None:
    db = sqlite_notification_db
    await handle(db, handlers.on_idea_submitted, submitted("i-1", authors=["p-1"]))
    await handle(db, handlers.on_idea_updated, revised("i-1", 3, "Kolmas"))
    await handle(db, handlers.on_idea_updated, revised("i-1", 2, "Toinen (vanhempi)"))
    idea = await _idea(db, "i-1")
    assert idea is not None and (idea.title, idea.revision) == ("Kolmas", 3)
    # A resubmission (replay) never resets the newer title.
    await handle(db, handlers.on_idea_submitted, submitted("i-1", authors=["p-1"]))
    idea = await _idea(db, "i-1")
    assert idea is not None and idea.title == "Kolmas"


async def test_a_replayed_submission_fills_in_only_what_an_older_row_did_not_keep(
    notification_db: Database,
) -> None:
    db = notification_db
    await handle(db, handlers.on_idea_submitted, submitted("i-1", authors=["p-1", "p-2"]))
    idea = await _idea(db, "i-1")
    assert idea is not None
    stored = (idea.title, idea.author_ids, idea.language, idea.anonymous, idea.unit_id)
    assert stored == ("Kirjaston iltapäivystys", ["p-1", "p-2"], "fi", False, "u-kirjasto")
    assert idea.revision == 1

    # A row stored before anonymity and the unit were kept.
    async with db.transaction() as session:
        await session.execute(
            update(Idea).where(Idea.idea_id == "i-1").values(anonymous=None, unit_id=None)
        )
    replayed = submitted("i-1", authors=["p-1"], title="Toinen otsikko", anonymous=True)
    await handle(db, handlers.on_idea_submitted, replayed)
    idea = await _idea(db, "i-1")
    assert idea is not None
    assert (idea.anonymous, idea.unit_id) == (True, "u-kirjasto")
    # What was kept is never overwritten by a replay.
    assert (idea.title, idea.author_ids) == ("Kirjaston iltapäivystys", ["p-1", "p-2"])

    await handle(db, handlers.on_idea_submitted, submitted("i-1", authors=["p-1"]))
    idea = await _idea(db, "i-1")
    assert idea is not None and idea.anonymous is True


async def test_idea_update_before_submission_waits(sqlite_notification_db: Database) -> None:
    update = revised("i-later", 2, "T")
    with pytest.raises(RetryLater, match="i-later"):
        await handle(sqlite_notification_db, handlers.on_idea_updated, update)


async def test_a_long_closed_idea_forgets_its_authors_and_a_late_decision_mails_nobody(
    sqlite_notification_db: Database,
) -> None:
    db = sqlite_notification_db
    await _known_people(db, ("p-1", "fi"), ("p-2", "sv"))
    await handle(db, handlers.on_idea_submitted, submitted("i-1", authors=["p-1", "p-2"]))
    await handle(db, handlers.on_idea_submitted, submitted("i-2", authors=["p-1"]))
    expired = retention_expired(
        "i-1", closed_at=datetime(2021, 1, 1, tzinfo=UTC), retention_days=1825
    )

    await handle(db, handlers.on_idea_retention_expired, expired)
    await handle(db, handlers.on_idea_retention_expired, expired)

    idea = await _idea(db, "i-1")
    assert idea is not None and idea.author_ids == [] and idea.title
    other = await _idea(db, "i-2")
    assert other is not None and other.author_ids == ["p-1"]
    await handle(db, handlers.on_review_decided, decided("i-1"))
    assert await deliveries(db) == []


async def test_decision_queues_one_pending_delivery_per_author_in_their_language(
    sqlite_notification_db: Database,
) -> None:
    db = sqlite_notification_db
    await _known_people(db, ("p-1", "fi"), ("p-2", "sv"), ("p-3", "en"))
    await handle(db, handlers.on_idea_submitted, submitted("i-1", authors=["p-1", "p-2", "p-3"]))

    cause = await handle(db, handlers.on_review_decided, decided("i-1"))

    rows = await deliveries(db)
    assert sorted((r.person_id, r.language, r.template, r.status) for r in rows) == [
        ("p-1", "fi", "idea_accepted", "pending"),
        ("p-2", "sv", "idea_accepted", "pending"),
        ("p-3", "en", "idea_accepted", "pending"),
    ]
    by_person = {r.person_id: r for r in rows}
    assert by_person["p-2"].subject == "Din idé har godkänts: Kirjaston iltapäivystys"
    assert by_person["p-2"].address == "p-2@vaasa.example"
    assert "säästää työaikaa" in by_person["p-1"].body
    assert {r.cause_event_id for r in rows} == {cause.id}
    assert {r.cause_event_type for r in rows} == {"ideapaja.review.decided.v1"}
    assert {r.cause_traceparent for r in rows} == {cause.traceparent}
    assert {r.channel for r in rows} == {"email"}


async def test_the_same_decision_again_queues_nothing_new(
    sqlite_notification_db: Database,
) -> None:
    db = sqlite_notification_db
    await _known_people(db, ("p-1", "fi"), ("p-2", "sv"))
    await handle(db, handlers.on_idea_submitted, submitted("i-1", authors=["p-1", "p-2"]))
    event = decided("i-1")
    cause = await handle(db, handlers.on_review_decided, event)
    first = {(r.id, r.subject) for r in await deliveries(db)}

    # As if the inbox had not caught it (pruned, or a racing replica): the delivery ids match.
    await handle(db, handlers.on_review_decided, event, cause)

    assert {(r.id, r.subject) for r in await deliveries(db)} == first
    assert len(first) == 2


@pytest.mark.parametrize(
    ("decisions", "templates"),
    [
        # A new decision on the same idea is a new delivery.
        ([Decision.REJECTED, Decision.ACCEPTED], ["idea_rejected", "idea_accepted"]),
        # A needs_info decision is told by its question (InfoRequested), not twice.
        ([Decision.NEEDS_INFO], []),
    ],
    ids=["a_new_decision_is_a_new_delivery", "needs_info_is_told_by_its_question"],
)
async def test_each_decision_on_an_idea_is_told_once(
    sqlite_notification_db: Database, decisions: list[Decision], templates: list[str]
) -> None:
    db = sqlite_notification_db
    await _known_people(db, ("p-1", "fi"))
    await handle(db, handlers.on_idea_submitted, submitted("i-1", authors=["p-1"]))
    for decision in decisions:
        await handle(db, handlers.on_review_decided, decided("i-1", decision))
    assert [r.template for r in await deliveries(db)] == templates


async def test_unknown_author_contact_means_retry_later_and_nothing_queued(
    sqlite_notification_db: Database,
) -> None:
    db = sqlite_notification_db
    await _known_people(db, ("p-1", "fi"))
    await handle(db, handlers.on_idea_submitted, submitted("i-1", authors=["p-1", "p-new"]))
    with pytest.raises(RetryLater, match="p-new"):
        await handle(db, handlers.on_review_decided, decided("i-1"))
    assert await deliveries(db) == []


async def test_decision_on_an_unknown_idea_means_retry_later(
    sqlite_notification_db: Database,
) -> None:
    with pytest.raises(RetryLater, match="i-unknown"):
        await handle(sqlite_notification_db, handlers.on_review_decided, decided("i-unknown"))


async def test_authors_who_left_are_not_written_to(sqlite_notification_db: Database) -> None:
    db = sqlite_notification_db
    await _known_people(db, ("p-1", "fi"), ("p-2", "sv"))
    await handle(db, handlers.on_person_left, left("p-2"))
    await handle(db, handlers.on_idea_submitted, submitted("i-1", authors=["p-1", "p-2"]))
    await handle(db, handlers.on_review_decided, decided("i-1"))
    assert [r.person_id for r in await deliveries(db)] == ["p-1"]


async def test_reward_is_told_in_the_persons_language_with_the_idea_title(
    sqlite_notification_db: Database,
) -> None:
    db = sqlite_notification_db
    await _known_people(db, ("p-2", "sv"))
    await handle(db, handlers.on_idea_submitted, submitted("i-1", authors=["p-2"]))
    await handle(
        db,
        handlers.on_reward_granted,
        granted("i-1", "p-2", kind=RewardKind.MONEY, points=0, amount=Decimal("150")),
    )
    [row] = await deliveries(db)
    assert (row.template, row.language, row.subject) == (
        "reward_granted",
        "sv",
        "Du har tilldelats en belöning",
    )
    assert "150\u00a0€" in row.body
    assert "Idé: ”Kirjaston iltapäivystys”" in row.body


async def test_reward_for_an_idea_we_never_saw_is_still_told(
    sqlite_notification_db: Database,
) -> None:
    db = sqlite_notification_db
    await _known_people(db, ("p-1", "fi"))
    await handle(db, handlers.on_reward_granted, granted(new_id("i"), "p-1", points=20))
    [row] = await deliveries(db)
    assert "20 pistettä" in row.body and "Idea:" not in row.body


async def test_reward_for_an_unknown_person_waits_and_for_one_who_left_is_dropped(
    sqlite_notification_db: Database,
) -> None:
    db = sqlite_notification_db
    with pytest.raises(RetryLater, match="p-x"):
        await handle(db, handlers.on_reward_granted, granted("i-1", "p-x"))
    await _known_people(db, ("p-1", "fi"))
    await handle(db, handlers.on_person_left, left("p-1"))
    await handle(db, handlers.on_reward_granted, granted("i-1", "p-1"))
    assert await deliveries(db) == []


async def test_an_odd_event_id_is_stored_as_a_valid_key(sqlite_notification_db: Database) -> None:
    db = sqlite_notification_db
    await _known_people(db, ("p-1", "fi"))
    event = granted("i-1", "p-1")
    await handle(db, handlers.on_reward_granted, event, envelope_of(event, "hr.batch." + "x" * 80))
    [row] = await deliveries(db)
    assert row.cause_event_id.startswith("h-") and len(row.cause_event_id) <= 64
