"""GDPR: erasing a person (contact and messages blanked, mail stopped, late HR records kept out)
and the report of everything held on a person."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from notification_testkit import (
    SOURCE,
    MailServer,
    StartService,
    choose,
    decided,
    deliveries,
    digest_items,
    granted,
    handle,
    inbox_items,
    person,
    publish,
    service_settings,
    submitted,
)
from sqlalchemy import update

from ideapaja_contracts import encode
from ideapaja_contracts.events.idea import Scope
from ideapaja_contracts.events.privacy import ErasureRequested
from ideapaja_contracts.events.review import ScreeningStarted
from ideapaja_notification import handlers
from ideapaja_notification.db.models import Contact, Delivery
from ideapaja_notification.domain.preferences import Frequency
from ideapaja_notification.errors import NotRequeueable
from ideapaja_notification.settings import NotificationSettings
from ideapaja_notification.usecases import privacy
from ideapaja_notification.usecases.deliveries import requeue
from ideapaja_notification.usecases.digests import build_due_digests
from ideapaja_runtime.db import Database
from ideapaja_runtime.outbox import Outbox
from ideapaja_runtime.requester import ANONYMOUS_WITHHELD_NOTE, REQUESTED_BY_HEADER
from ideapaja_runtime.testing import DevKeys, RunningService, eventually, uow_in
from ideapaja_runtime.testing_builders import erasure_requested
from ideapaja_runtime.uow import UnitOfWork, open_unit_of_work

NAME, EMAIL = "Ulla Poistettava", "ulla.poistettava@kuusijarvi.example"
ERASED_AT = datetime(2026, 3, 1, 12, tzinfo=UTC)


def erasure(person_id: str = "p-1") -> ErasureRequested:
    return erasure_requested(person_id)


async def _erase(db: Database, person_id: str = "p-1", at: datetime = ERASED_AT) -> None:
    event = erasure(person_id)
    envelope = encode(event, source="/ideapaja/privacy", time=at).envelope
    await handle(db, privacy.on_erasure_requested, event, envelope)


async def _upsert_at(db: Database, at: datetime, name: str = NAME) -> None:
    event = person("p-1", name=name, email=EMAIL)
    envelope = encode(event, source="/hr", time=at).envelope
    await handle(db, handlers.on_person_upserted, event, envelope)


async def _contact(db: Database, person_id: str = "p-1") -> Contact | None:
    async with db.transaction() as session:
        return await session.get(Contact, person_id)


async def _with_mail(db: Database) -> None:
    """p-1 has a sent decision notice, a pending reward notice and a failed one naming the
    address; p-2 (a co-author) has one too."""
    await _upsert_at(db, ERASED_AT - timedelta(days=30))
    await handle(db, handlers.on_person_upserted, person("p-2", email="p2@vaasa.example"))
    await handle(db, handlers.on_idea_submitted, submitted("i-1", authors=["p-1", "p-2"]))
    await handle(db, handlers.on_review_decided, decided("i-1"))
    await handle(db, handlers.on_reward_granted, granted("i-1", "p-1"))
    await handle(db, handlers.on_reward_granted, granted("i-1", "p-1", points=5))
    rows = [r for r in await deliveries(db) if r.person_id == "p-1"]
    assert len(rows) == 3 and all(r.address == EMAIL and NAME in r.body for r in rows)
    async with db.transaction() as session:
        for row, (status, error) in zip(
            rows,
            [("sent", None), ("failed", f"550 5.1.1 <{EMAIL}>: no such user"), ("pending", None)],
            strict=True,
        ):
            await session.execute(
                update(Delivery)
                .where(Delivery.id == row.id)
                .values(status=status, last_error=error)
            )


def _holds(rows: list[Delivery], contact: Contact | None, text: str) -> bool:
    values = [str(v) for r in rows for v in vars(r).values()]
    if contact is not None:
        values += [str(v) for v in vars(contact).values()]
    return any(text in v for v in values)


async def test_erasure_blanks_the_contact_and_messages_and_stops_mail(
    notification_db: Database,
) -> None:
    db = notification_db
    await _with_mail(db)
    await _erase(db)

    contact = await _contact(db)
    assert contact is not None
    assert (contact.display_name, contact.email, contact.language) == ("", "", "")
    assert contact.erased_at is not None
    mine = [r for r in await deliveries(db) if r.person_id == "p-1"]
    assert not _holds(mine, contact, NAME) and not _holds(mine, contact, EMAIL)
    assert all((r.address, r.subject, r.body) == ("", "", "") for r in mine)
    by_status = sorted((r.status, r.last_error) for r in mine)
    assert by_status == [
        ("failed", "550 5.1.1 <[erased]>: no such user"),
        ("failed", privacy.CANCELLED_BY_ERASURE),
        ("sent", None),
    ]
    # The co-author's message is untouched.
    [other] = [r for r in await deliveries(db) if r.person_id == "p-2"]
    assert other.address == "p2@vaasa.example" and other.body
    # The in-app inbox: theirs is gone, the co-author's stays.
    assert await inbox_items(db, "p-1") == []
    assert [i.kind for i in await inbox_items(db, "p-2")] == ["idea_accepted"]

    # No mail to them afterwards: a new decision skips them (no waiting, no dead letter).
    await handle(db, handlers.on_idea_submitted, submitted("i-2", authors=["p-1"]))
    await handle(db, handlers.on_review_decided, decided("i-2"))
    after = [r for r in await deliveries(db) if r.person_id == "p-1"]
    assert sorted(r.id for r in after) == sorted(r.id for r in mine)
    assert len(await deliveries(db)) == 4, "nothing queued for them; the co-author's one stays"
    # And an operator cannot send a cancelled one again.
    failed = next(r for r in mine if r.last_error == privacy.CANCELLED_BY_ERASURE)
    with pytest.raises(NotRequeueable, match="erased"):
        async with db.transaction() as session:
            await requeue(uow_in(session, service_settings()), failed.id)


async def test_hr_records_from_before_the_erasure_stay_out_and_a_re_hire_comes_back(
    sqlite_notification_db: Database,
) -> None:
    db = sqlite_notification_db
    # Erased before notification ever heard of them: remembered as erased anyway.
    await _erase(db)
    # An HR record sent before the erasure, delivered late.
    await _upsert_at(db, ERASED_AT - timedelta(seconds=1))
    contact = await _contact(db)
    assert contact is not None and (contact.display_name, contact.email) == ("", "")
    # A handling twice changes nothing either.
    await _erase(db)
    # Re-hired: HR sends the person after the erasure.
    await _upsert_at(db, ERASED_AT + timedelta(days=90), name="Ulla Palannut")
    contact = await _contact(db)
    assert contact is not None
    assert (contact.display_name, contact.email, contact.erased_at) == (
        "Ulla Palannut",
        EMAIL,
        None,
    )


@pytest.fixture
async def svc(
    start_service: StartService, mail_server: MailServer
) -> AsyncIterator[RunningService]:
    mail_server.start()
    async with start_service() as running:
        yield running


async def test_the_person_report_and_erasure_over_nats(
    svc: RunningService, js: Any, dev_keys: DevKeys, mail_server: MailServer
) -> None:
    await publish(js, person("p-1", name=NAME, email=EMAIL))
    await publish(js, submitted("i-1", authors=["p-1"], title="Omatoimikirjasto"))
    await publish(js, decided("i-1"))
    await eventually(lambda: _sent(svc))
    await _receipts(svc, 1)

    own = await svc.client.get("/privacy/persons/p-1", headers=dev_keys.headers("p-1", "employee"))
    assert own.status_code == 200, own.text
    report = own.json()
    assert report["contact"]["display_name"] == NAME and report["contact"]["email"] == EMAIL
    [delivery] = report["deliveries"]
    assert delivery["address"] == EMAIL and NAME in delivery["body"]
    assert report["ideas_authored"] == [
        {"id": "i-1", "title": "Omatoimikirjasto", "language": "fi", "anonymous": False}
    ]
    assert delivery["idea_id"] == "i-1" and report["anonymous_items_withheld"] == 0
    # The receipt of the idea waits in the inbox (and for the daily digest) beside the decision.
    assert sorted(i["kind"] for i in report["inbox"]) == ["idea_accepted", "idea_received"]
    [item] = [i for i in report["inbox"] if i["kind"] == "idea_accepted"]
    assert (item["idea_id"], item["kind"], item["link"]) == ("i-1", "idea_accepted", "/ideas/i-1")
    other = await svc.client.get("/privacy/persons/p-1", headers=dev_keys.headers("p-2"))
    assert other.status_code == 403 and other.json()["reason"] == "object"
    for role in ("hr", "admin"):
        seen = await svc.client.get("/privacy/persons/p-1", headers=dev_keys.headers("p-9", role))
        assert seen.status_code == 200 and seen.json() == report
    nobody = await svc.client.get("/privacy/persons/p-404", headers=dev_keys.headers("p", "hr"))
    assert nobody.json() == {
        "id": "p-404",
        "contact": None,
        "deliveries": [],
        "inbox": [],
        "preferences": [],
        "digest_items": [],
        "ideas_authored": [],
        "anonymous_items_withheld": 0,
        "withheld_note": None,
    }

    await publish(js, erasure("p-1"))

    async def erased() -> Any:
        r = await svc.client.get("/privacy/persons/p-1", headers=dev_keys.headers("p", "hr"))
        contact = r.json()["contact"]
        return r.json() if contact["erased_at"] else None

    after = await eventually(erased)
    assert after["contact"]["email"] == "" and after["contact"]["display_name"] == ""
    assert after["deliveries"][0]["address"] == "" and after["deliveries"][0]["body"] == ""
    assert NAME not in str(after) and EMAIL not in str(after)
    assert after["inbox"] == [], "the in-app inbox goes with the erasure"
    assert len(mail_server.to(EMAIL)) == 1, "the mail sent before the erasure, none after"


async def _sent(svc: RunningService) -> bool:
    return [r.status for r in await deliveries(svc.runtime.db)] == ["sent"]


async def _receipts(svc: RunningService, count: int) -> None:
    """Wait for the ideas' receipts: their consumer runs beside the decisions' (and their
    e-mail waits for the daily digest, so no delivery shows them)."""

    async def received() -> bool:
        items = await inbox_items(svc.runtime.db)
        return sum(i.kind == "idea_received" for i in items) == count

    await eventually(received)


async def test_others_reports_leave_out_the_messages_about_an_anonymous_idea(
    svc: RunningService, js: Any, dev_keys: DevKeys
) -> None:
    """A decision or reward notice tells its recipient wrote the idea: about an anonymous idea
    (or one not known here to be named), only the person's own report lists it."""
    await publish(js, person("p-1", name=NAME, email=EMAIL))
    await publish(js, submitted("i-named", authors=["p-1"], title="Nimellinen"))
    await publish(js, submitted("i-anon", authors=["p-1"], title="Nimetön", anonymous=True))
    for idea in ("i-named", "i-anon"):
        await publish(js, decided(idea))
        await publish(js, granted(idea, "p-1"))

    async def all_sent() -> bool:
        # Sent, not only queued: a report read while the sender works would differ from the next.
        rows = await deliveries(svc.runtime.db)
        return len(rows) == 4 and {r.status for r in rows} == {"sent"}

    await eventually(all_sent)
    await _receipts(svc, 2)
    path = "/privacy/persons/p-1"

    async def report(headers: dict[str, str]) -> Any:
        response = await svc.client.get(path, headers=headers)
        assert response.status_code == 200, response.text
        return response.json()

    own = await report(dev_keys.headers("p-1", "employee"))
    assert sorted(d["idea_id"] for d in own["deliveries"]) == [
        "i-anon", "i-anon", "i-named", "i-named"
    ]  # fmt: skip
    assert sorted(i["id"] for i in own["ideas_authored"]) == ["i-anon", "i-named"]
    assert (own["anonymous_items_withheld"], own["withheld_note"]) == (0, None)
    # Each idea's receipt, decision and reward.
    assert sorted(i["idea_id"] for i in own["inbox"]) == [
        "i-anon", "i-anon", "i-anon", "i-named", "i-named", "i-named"
    ]  # fmt: skip

    hr = dev_keys.headers("p-9", "hr")
    as_hr = await report(hr)
    assert [d["idea_id"] for d in as_hr["deliveries"]] == ["i-named", "i-named"]
    assert [i["id"] for i in as_hr["ideas_authored"]] == ["i-named"]
    assert [i["idea_id"] for i in as_hr["inbox"]] == ["i-named", "i-named", "i-named"]
    # Of the anonymous idea: its two deliveries, three inbox items, the receipt waiting for the
    # digest, and the idea itself.
    assert as_hr["anonymous_items_withheld"] == 7
    assert as_hr["withheld_note"] == ANONYMOUS_WITHHELD_NOTE
    text = str(as_hr)
    assert "i-anon" not in text and "Nimetön" not in text
    assert await report(dev_keys.headers("p-8", "admin")) == as_hr

    # HR claiming to ask for her changes nothing; the privacy service on her behalf gets hers,
    # on HR's (or nobody's) HR's.
    assert await report({**hr, REQUESTED_BY_HEADER: "p-1"}) == as_hr
    privacy_service = dev_keys.headers("service:privacy", "privacy-service")
    assert await report({**privacy_service, REQUESTED_BY_HEADER: "p-1"}) == own
    assert await report({**privacy_service, REQUESTED_BY_HEADER: "p-9"}) == as_hr
    assert await report(privacy_service) == as_hr

    # A message stored before its idea was recorded with it: not known to be named, withheld.
    async with svc.runtime.db.transaction() as session:
        await session.execute(
            update(Delivery)
            .where(Delivery.idea_id == "i-named", Delivery.template != "reward_granted")
            .values(idea_id=None)
        )
    older = await report(hr)
    assert older["anonymous_items_withheld"] == 8
    assert [d["idea_id"] for d in older["deliveries"]] == ["i-named"]
    assert len((await report(dev_keys.headers("p-1", "employee")))["deliveries"]) == 4


async def test_a_reviewers_messages_about_an_anonymous_idea_are_not_withheld(
    notification_db: Database,
) -> None:
    """A case on a reviewer's work list tells nothing of who wrote the idea: others' reports
    list it; the author's own notice about it is withheld from them."""
    db = notification_db
    await handle(db, handlers.on_person_upserted, person("p-1"))
    await handle(db, handlers.on_person_upserted, person("p-r", roles=["change_agent"]))
    await handle(db, handlers.on_idea_submitted, submitted("i-a", authors=["p-1"], anonymous=True))
    await handle(
        db,
        handlers.on_screening_started,
        ScreeningStarted(
            case_id="c-a", idea_id="i-a", scope=Scope.UNIT, unit_id="u-1", reviewer_ids=["p-r"]
        ),
    )
    await handle(db, handlers.on_review_decided, decided("i-a"))
    async with db.transaction() as session:
        uow = uow_in(session, service_settings())
        reviewer = await privacy.person_report(uow, "p-r", own=False)
        author = await privacy.person_report(uow, "p-1", own=False)
    assert [d.template for d in reviewer.deliveries] == ["case_to_screen"]
    assert [i.kind for i in reviewer.inbox] == ["case_to_screen"]
    assert reviewer.anonymous_items_withheld == 0
    assert (author.deliveries, author.inbox, author.anonymous_items_withheld) == ([], [], 3)


async def test_preferences_and_digests_are_in_the_report_and_go_with_the_person(
    notification_db: Database,
) -> None:
    """The person's choices and the notices kept for their digests are listed in their access
    report (a digest's notices about an anonymous idea withheld from others, like the digest
    itself) and erased with them."""
    db = notification_db
    await handle(db, handlers.on_person_upserted, person("p-1"))
    await handle(db, handlers.on_person_upserted, person("p-9"))
    await handle(db, handlers.on_idea_submitted, submitted("i-a", authors=["p-1"], anonymous=True))
    await choose(db, "p-1", {"idea_accepted": Frequency.WEEKLY, "practice_adopted": Frequency.OFF})
    await handle(db, handlers.on_review_decided, decided("i-a"))
    # The weekly digest: the Monday after the decision, 07:00 in Helsinki.
    monday = datetime.now(UTC) + timedelta(days=8)

    def units() -> AbstractAsyncContextManager[UnitOfWork[NotificationSettings]]:
        return open_unit_of_work(db, service_settings(), Outbox(SOURCE), clock=lambda: monday)

    assert await build_due_digests(units, monday, 10) == 1
    async with db.transaction() as session:
        uow = uow_in(session, service_settings())
        own = await privacy.person_report(uow, "p-1")
        others = await privacy.person_report(uow, "p-1", own=False)
    assert [(p.kind, p.frequency) for p in own.preferences] == [
        ("idea_accepted", "weekly"),
        ("practice_adopted", "off"),
    ]
    [waiting] = own.digest_items
    assert (waiting.kind, waiting.idea_id, waiting.frequency) == ("idea_accepted", "i-a", "weekly")
    assert [d.template for d in own.deliveries] == ["digest_weekly"]
    assert waiting.digest_id == own.deliveries[0].id
    # Withheld from others: the digest, the inbox item, the digest's item and the idea.
    assert (others.digest_items, others.deliveries, others.inbox, others.ideas_authored) == (
        [],
        [],
        [],
        [],
    )
    assert others.anonymous_items_withheld == 4
    assert others.preferences == own.preferences

    await _erase(db)
    assert await digest_items(db) == []
    async with db.transaction() as session:
        erased = await privacy.person_report(uow_in(session, service_settings()), "p-1")
    assert (erased.preferences, erased.digest_items, erased.inbox) == ([], [], [])
