"""GDPR erasure in intake (``ErasureRequested``), on SQLite and PostgreSQL: the person's id is
replaced everywhere by one token, their drafts, remembered requests and counters go, the ideas and
the discussion stay; running it again changes nothing; late events about them are handled like
the rest; and the subscription takes the event from NATS."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace
from typing import Any, cast

import pytest
from intake_testkit import (
    AUTHOR,
    TEST_SECRET,
    SettingsFor,
    database_with_idea,
    idea_payload,
    insert_idea,
)
from person_history import (
    ERASED,
    build_person_history,
    erase,
    erased_headers,
    erasure,
    every_value,
    naming,
)
from sqlalchemy import select, update

from ideapaja_contracts import Event, encode
from ideapaja_contracts.events.hr import PersonUpserted
from ideapaja_contracts.events.idea import Scope
from ideapaja_contracts.events.review import Decision, ReviewDecided
from ideapaja_contracts.events.reward import RewardGranted, RewardKind
from ideapaja_intake.app import service
from ideapaja_intake.db.models import (
    ErasedPerson,
    Idea,
    IdeaAttachment,
    IdeaAuthor,
    IdeaComment,
    IdeaDraft,
    IdeaReward,
    IdeaStatusChange,
    IdeaSupport,
    IdeaVersion,
    IdempotencyRecord,
    Person,
    SubmissionCounter,
)
from ideapaja_intake.domain.pseudonym import former_person_id
from ideapaja_intake.settings import IntakeSettings
from ideapaja_intake.usecases import erasure as erasures
from ideapaja_runtime.db import Database
from ideapaja_runtime.messaging import RetryLater, Subscription
from ideapaja_runtime.outbox import Outbox, outbox_table
from ideapaja_runtime.service import Runtime
from ideapaja_runtime.testing import (
    DevKeys,
    RunningService,
    eventually,
    handler_context,
)

FORMER = former_person_id(TEST_SECRET, ERASED)
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


async def rows(runtime: Runtime, query: Any) -> list[Any]:
    async with runtime.db.transaction() as session:
        return list((await session.execute(query)).all())


# --- the erasure, on both databases --------------------------------------------------------------


async def test_erasure_replaces_the_person_everywhere_and_keeps_the_ideas(
    org_any_db: RunningService, dev_keys: DevKeys
) -> None:
    running, runtime = org_any_db, org_any_db.runtime
    history = await build_person_history(running, dev_keys)
    before = await every_value(runtime)
    assert len(naming(before, ERASED)) > 20, "the history names the person in many places"
    ideas_before = await rows(runtime, select(Idea.id, Idea.title, Idea.support_count))

    erased_at = datetime.now(UTC)
    await erase(running, at=erased_at)

    after = await every_value(runtime)
    assert naming(after, ERASED) == [], "\n".join(naming(after, ERASED))
    # Ideas stay with their text and counts; the person is one token in each of them.
    assert sorted(await rows(runtime, select(Idea.id, Idea.title, Idea.support_count))) == sorted(
        ideas_before
    )
    co_authored, anonymous = history.co_authored["id"], history.anonymous["id"]
    authors = await rows(
        runtime,
        select(IdeaAuthor.idea_id, IdeaAuthor.person_id, IdeaAuthor.kind, IdeaAuthor.author_ref),
    )
    assert {(i, p, k) for i, p, k, _ in authors} == {
        (co_authored, AUTHOR, "submitter"),
        (co_authored, FORMER, "co_author"),
        (anonymous, FORMER, "submitter"),
        (history.by_form["id"], FORMER, "submitter"),
        (history.supported["id"], AUTHOR, "submitter"),
    }
    # The anonymous idea keeps the pseudonym colleagues know it by.
    assert {r for i, p, _, r in authors if i == anonymous} == {history.anonymous["author_ref"]}
    assert await rows(
        runtime,
        select(IdeaVersion.edited_by)
        .where(IdeaVersion.idea_id == co_authored)
        .order_by("revision"),
    ) == [(AUTHOR,), (FORMER,)]
    # The discussion stays, the bodies as written; on the anonymous idea still its pseudonym.
    comment = IdeaComment
    assert sorted(
        await rows(
            runtime, select(comment.idea_id, comment.commenter_id, comment.shown_as, comment.body)
        )
    ) == sorted(
        [
            (anonymous, FORMER, history.anonymous["author_ref"], history.anonymous_comment),
            (history.supported["id"], FORMER, FORMER, "Hyvä idea!"),
        ]
    )
    assert await rows(runtime, select(IdeaSupport.idea_id, IdeaSupport.person_id)) == [
        (history.supported["id"], FORMER)
    ]
    assert await rows(runtime, select(IdeaAttachment.id, IdeaAttachment.uploaded_by)) == [
        (history.attachment_id, FORMER)
    ]
    assert await rows(
        runtime, select(IdeaStatusChange.actor_id).where(IdeaStatusChange.kind == "decided")
    ) == [(FORMER,)]
    assert await rows(runtime, select(IdeaReward.person_id)) == [(FORMER,)]
    # Their draft is gone; AUTHOR's draft no longer invites them.
    drafts = await rows(runtime, select(IdeaDraft.id, IdeaDraft.owner_id, IdeaDraft.content))
    assert [(d, o, c["co_author_ids"]) for d, o, c in drafts] == [
        (history.author_draft_id, AUTHOR, ["p-1003"])
    ]
    # Their remembered requests, counters and HR row are gone; AUTHOR's stay.
    assert {c for (c,) in await rows(runtime, select(IdempotencyRecord.caller))} == {
        f"person:{AUTHOR}"
    }
    assert {p for (p,) in await rows(runtime, select(SubmissionCounter.person_id))} == {AUTHOR}
    people = {p for (p,) in await rows(runtime, select(Person.person_id))}
    assert ERASED not in people and AUTHOR in people
    assert (FORMER,) in await rows(runtime, select(ErasedPerson.former_id))
    # Only sent copies of published events went; nothing is left to publish about anyone.
    assert (
        await rows(runtime, select(outbox_table.c.seq).where(outbox_table.c.sent_at.is_(None)))
        == []
    )

    # The ideas read as a former employee's; AUTHOR's retried request still gets its answer.
    author = dev_keys.headers(AUTHOR, "employee", units=["u-kirjasto"])
    read = (await running.client.get(f"/ideas/{co_authored}", headers=author)).json()
    assert read["author_ids"] == [AUTHOR, FORMER]
    replay = await running.client.post(
        "/ideas",
        json=idea_payload(title="Yhteinen idea", co_author_ids=[ERASED]),
        headers={**author, "Idempotency-Key": "k-author-1"},
    )
    assert replay.status_code == 201 and replay.headers["idempotent-replayed"] == "true"
    assert replay.json()["id"] == co_authored and replay.json()["invited_ids"] == [FORMER]

    # Running it again (the same event delivered twice) changes nothing more.
    async with runtime.unit_of_work() as uow:
        again = await erasures.erase_person(uow, ERASED, erasure_id="er-1", erased_at=erased_at)
    assert again and set(again.values()) == {0}, again
    assert sorted(await every_value(runtime)) == sorted(after)


# --- events arriving after the erasure, on both databases -----------------------------------------


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    async with database_with_idea(database_url) as database:
        yield database


def consumers(settings_for: SettingsFor, database_url: str) -> dict[type[Event], Any]:
    """The service's handlers as its consumers run them (erasure-aware), by event type."""
    settings = settings_for(database_url)
    runtime = cast(Runtime, SimpleNamespace(settings=settings))
    subscriptions: list[Subscription] = list(service.subscriptions(runtime))
    handlers: dict[Any, Any] = {
        kind: handler for s in subscriptions for kind, handler in s.handlers.items()
    }
    # What the handlers' units of work carry (the pseudonym secret).
    handlers[IntakeSettings] = settings
    return handlers


async def deliver(
    db: Database, handlers: dict[type[Event], Any], event: Event, minutes: int
) -> None:
    message = encode(event, source="/test", time=T0 + timedelta(minutes=minutes))
    outbox = Outbox("/ideapaja/intake")
    settings = handlers[IntakeSettings]
    async with handler_context(db, message.envelope, settings=settings, outbox=outbox) as ctx:
        await handlers[type(event)](event, ctx)


def hired(person_id: str = ERASED) -> PersonUpserted:
    return PersonUpserted(
        person_id=person_id, unit_id="u-kirjasto", display_name="Ulla", email="u@x.example"
    )


def reward(grant_id: str) -> RewardGranted:
    return RewardGranted(
        idea_id="i-1",
        grant_id=grant_id,
        person_id=ERASED,
        kind=RewardKind.POINTS,
        amount=Decimal(0),
        points=5,
        reason="Idea jätetty",
    )


async def test_late_events_about_an_erased_person_are_pseudonymised_until_a_rehire(
    db: Database, settings_for: SettingsFor, database_url: str
) -> None:
    handlers = consumers(settings_for, database_url)

    async def stored(query: Any) -> list[Any]:
        async with db.transaction() as session:
            return list((await session.execute(query)).all())

    await deliver(db, handlers, hired(), minutes=0)
    await deliver(db, handlers, erasure("er-1"), minutes=10)
    assert await stored(select(Person.person_id)) == []
    # HR's record from before the erasure, delivered late, brings nobody back.
    await deliver(db, handlers, hired(), minutes=5)
    assert await stored(select(Person.person_id)) == []
    # A reward and a reviewer's step naming the person are stored under the token.
    await deliver(db, handlers, reward("g-1"), minutes=20)
    decided = ReviewDecided(
        case_id="c-1",
        idea_id="i-1",
        decision=Decision.ACCEPTED,
        rationale="Hyvä.",
        decided_by=ERASED,
        scope=Scope.UNIT,
        unit_id="u-kirjasto",
    )
    await deliver(db, handlers, decided, minutes=21)
    assert await stored(select(IdeaReward.grant_id, IdeaReward.person_id)) == [("g-1", FORMER)]
    assert await stored(
        select(IdeaStatusChange.actor_id).where(IdeaStatusChange.kind == "decided")
    ) == [(FORMER,)]

    # Re-hired: HR describes them after the erasure; the new employment is theirs again.
    await deliver(db, handlers, hired(), minutes=30)
    await deliver(db, handlers, reward("g-2"), minutes=40)
    assert await stored(select(Person.person_id)) == [(ERASED,)]
    assert sorted(await stored(select(IdeaReward.grant_id, IdeaReward.person_id))) == [
        ("g-1", FORMER),
        ("g-2", ERASED),
    ]
    # Erased again: the same token, so their two employments stay one former employee.
    await deliver(db, handlers, erasure("er-2"), minutes=50)
    assert sorted(await stored(select(IdeaReward.grant_id, IdeaReward.person_id))) == [
        ("g-1", FORMER),
        ("g-2", FORMER),
    ]
    assert await stored(select(Person.person_id)) == []
    assert await stored(
        select(ErasedPerson.erasure_id, ErasedPerson.erased_at).where(
            ErasedPerson.former_id == FORMER
        )
    ) == [("er-2", T0 + timedelta(minutes=50))]


async def test_a_person_on_an_idea_twice_after_a_rehire_stays_one_author_and_one_support(
    db: Database, settings_for: SettingsFor, database_url: str
) -> None:
    handlers = consumers(settings_for, database_url)
    async with db.transaction() as session:
        await insert_idea(session, "i-2", author_id=ERASED)
        idea = await session.get(Idea, "i-1")
        assert idea is not None
        idea.support_count = 1
        session.add(IdeaSupport(idea_id="i-1", person_id=ERASED, supported_at=T0))
    await deliver(db, handlers, erasure("er-1"), minutes=10)
    async with db.transaction() as session:
        # Re-hired, the person co-authors and supports the same ideas again under their id.
        session.add_all(
            [
                IdeaAuthor(
                    idea_id="i-2",
                    person_id=ERASED,
                    kind="co_author",
                    author_ref="a-1",
                    added_at=T0 + timedelta(minutes=30),
                ),
                IdeaSupport(
                    idea_id="i-1", person_id=ERASED, supported_at=T0 + timedelta(minutes=30)
                ),
            ]
        )
        idea = await session.get(Idea, "i-1")
        assert idea is not None
        idea.support_count = 2
    await deliver(db, handlers, erasure("er-2"), minutes=50)
    async with db.transaction() as session:
        authors = (
            await session.execute(
                select(IdeaAuthor.person_id, IdeaAuthor.kind).where(IdeaAuthor.idea_id == "i-2")
            )
        ).all()
        supports = (await session.scalars(select(IdeaSupport.person_id))).all()
        idea = await session.get(Idea, "i-1")
        assert idea is not None
        assert (list(authors), list(supports), idea.support_count) == (
            [(FORMER, "submitter")],
            [FORMER],
            1,
        )


# --- through NATS -------------------------------------------------------------------------------


async def test_the_erasure_arrives_from_the_privacy_service(
    org: RunningService, js: Any, dev_keys: DevKeys
) -> None:
    created = await org.client.post(
        "/ideas", json=idea_payload(title="Oma idea"), headers=erased_headers(dev_keys)
    )
    assert created.status_code == 201, created.text
    erased_at = datetime.now(UTC)
    message = encode(erasure("er-nats"), source="/ideapaja/privacy", time=erased_at)
    await js.publish(message.subject, message.body, headers=message.headers)

    async def erased() -> bool:
        async with org.runtime.db.transaction() as session:
            return await session.get(ErasedPerson, FORMER) is not None

    await eventually(erased)
    assert naming(await every_value(org.runtime), ERASED) == []
    # The idea is no longer theirs to read (a former employee's now).
    own = await org.client.get(
        f"/ideas/{created.json()['id']}", headers=dev_keys.headers(ERASED, "employee")
    )
    assert own.status_code == 403 and own.json()["reason"] == "object"

    # HR's record from before the erasure, still on its way, brings nobody back (the record
    # after it, on the same consumer, shows it was handled).
    for event in (hired(), hired("p-1009")):
        old = encode(event, source="/test", time=erased_at - timedelta(minutes=1))
        await js.publish(old.subject, old.body, headers=old.headers)

    async def marker_handled() -> bool:
        async with org.runtime.db.transaction() as session:
            return await session.get(Person, "p-1009") is not None

    await eventually(marker_handled)
    assert naming(await every_value(org.runtime), ERASED) == []


async def test_an_erasure_waits_for_events_naming_the_person_to_be_published(
    org: RunningService, dev_keys: DevKeys
) -> None:
    relay = org.runtime.relay
    assert relay is not None
    await relay.stop()  # as if NATS were away: the support below stays in the outbox
    idea = await org.client.post(
        "/ideas", json=idea_payload(), headers=dev_keys.headers(AUTHOR, "employee")
    )
    supported = await org.client.post(
        f"/ideas/{idea.json()['id']}/support", headers=dev_keys.headers(ERASED, "employee")
    )
    assert supported.status_code == 201, supported.text
    with pytest.raises(RetryLater):
        await erase(org)
    async with org.runtime.db.transaction() as session:
        assert await session.get(ErasedPerson, FORMER) is None  # nothing done yet

    # A relay stuck for longer than the grace does not hold the erasure up: the event still
    # goes out when it can (with the opaque id it always carried).
    async with org.runtime.db.transaction() as session:
        await session.execute(
            update(outbox_table).values(
                created_at=datetime.now(UTC) - erasures.PUBLISH_GRACE - timedelta(seconds=1)
            )
        )
    await erase(org)
    async with org.runtime.db.transaction() as session:
        assert (await session.scalars(select(IdeaSupport.person_id))).all() == [FORMER]
        pending = (
            await session.scalars(
                select(outbox_table.c.subject).where(outbox_table.c.sent_at.is_(None))
            )
        ).all()
    assert sorted(pending) == ["ideapaja.idea.submitted.v1", "ideapaja.idea.supported.v1"]
