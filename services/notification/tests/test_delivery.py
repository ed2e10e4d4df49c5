"""Whole flows on a real NATS server, a real SMTP server and SQLite / PostgreSQL."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from notification_testkit import (
    CASE,
    MailServer,
    dead_letters,
    decided,
    deliveries,
    digest_items,
    granted,
    inbox_items,
    person,
    projected,
    publish,
    settings_for,
    stream_messages,
    submitted,
)
from sqlalchemy import select

from ideapaja_contracts.events.idea import IdeaCommented
from ideapaja_contracts.events.review import InfoRequested, ScreeningStarted
from ideapaja_contracts.events.reward import AwardProposed, RewardKind
from ideapaja_notification.app import service
from ideapaja_runtime.inbox import inbox_table
from ideapaja_runtime.messaging import DLQ_REASON
from ideapaja_runtime.testing import DevKeys, eventually, running_service

DELIVERED = "ideapaja.notification.delivered.v1"
ADDRESS = "asa.oberg@vaasa.example"


def mails_to(server: MailServer, count: int) -> Any:
    async def check() -> bool:
        return len(server.to(ADDRESS)) >= count

    return check


def delivered_events(js: Any, count: int) -> Any:
    async def check() -> list[Any] | None:
        found = await stream_messages(js, "IDEAPAJA", DELIVERED)
        return found if len(found) >= count else None

    return check


async def test_a_swedish_author_gets_the_decision_and_the_reward_in_swedish_once(
    database_url: str, nats_url: str, js: Any, dev_keys: DevKeys, mail_server: MailServer
) -> None:
    mail_server.start()
    settings = settings_for(nats_url, database_url, dev_keys, mail_server)
    async with running_service(service, settings) as svc:
        # Out of order on purpose: the decision comes before HR and intake have spoken.
        decision_id = await publish(js, decided("i-1"))
        await publish(js, person("p-2001", name="Åsa Öberg", language="sv", email=ADDRESS))
        await publish(js, submitted("i-1", authors=["p-2001"], title="Fönsterbänkar åt alla"))
        # The reward names the idea only if the idea is known by then (no wait for it): the
        # decision mail shows that it is.
        await eventually(mails_to(mail_server, 1))
        reward_id = await publish(js, granted("i-1", "p-2001", points=50))

        await eventually(mails_to(mail_server, 2))
        events = await eventually(delivered_events(js, 2))
        mine = await svc.client.get("/notifications/me", headers=dev_keys.headers("p-2001"))
        rows = await deliveries(svc.runtime.db)

    mails = mail_server.to(ADDRESS)
    assert len(mails) == 2
    assert sorted(m.subject for m in mails) == [
        "Din idé har godkänts: Fönsterbänkar åt alla",
        "Du har tilldelats en belöning",
    ]
    assert all(m.text.startswith("Hej Åsa Öberg!\n") for m in mails)
    assert any("Du har tilldelats en belöning: 50 poäng." in m.text for m in mails)
    assert any("Idé: ”Fönsterbänkar åt alla”" in m.text for m in mails)
    # Message-IDs come from the delivery ids.
    assert sorted(str(m.message["Message-ID"]) for m in mails) == sorted(
        f"<{r.id}@localhost>" for r in rows
    )

    bodies = [json.loads(e.data) for e in events]
    assert sorted(b["cause_event_id"] for b in bodies) == sorted([decision_id, reward_id])
    assert {(b["person_id"], b["channel"]) for b in bodies} == {("p-2001", "email")}
    assert sorted(b["template"] for b in bodies) == ["idea_accepted", "reward_granted"]

    assert mine.status_code == 200
    assert sorted((n["template"], n["status"], n["language"]) for n in mine.json()["items"]) == [
        ("idea_accepted", "sent", "sv"),
        ("reward_granted", "sent", "sv"),
    ]
    assert all(n["sent_at"] is not None for n in mine.json()["items"])


async def test_smtp_down_then_up_and_a_restart_mid_flow_deliver_each_mail_once(
    database_url: str, nats_url: str, js: Any, dev_keys: DevKeys, mail_server: MailServer
) -> None:
    settings = settings_for(nats_url, database_url, dev_keys, mail_server)
    async with running_service(service, settings) as svc:
        await publish(js, person("p-2001", language="fi", email=ADDRESS))
        await publish(js, submitted("i-1", authors=["p-2001"]))
        await publish(js, decided("i-1"))

        async def retrying() -> bool:
            rows = await deliveries(svc.runtime.db)
            return bool(rows) and rows[0].attempts >= 2 and rows[0].status == "pending"

        # The mail server is down: the delivery waits, the event itself was handled.
        await eventually(retrying)
        rows = await deliveries(svc.runtime.db)
        assert "SMTP unavailable" in (rows[0].last_error or "")
    assert mail_server.mails == []

    # While the service is down, a reward is granted; then the mail server comes back.
    await publish(js, granted("i-1", "p-2001", points=1))
    mail_server.start()
    async with running_service(service, settings) as svc:
        await eventually(mails_to(mail_server, 2))
        await eventually(delivered_events(js, 2))
        rows = await deliveries(svc.runtime.db)
        async with svc.runtime.db.transaction() as session:
            # The notices' consumers (the webhooks' takes every event: test_webhooks.py).
            notices = inbox_table.c.consumer != "notification-webhooks"
            handled = (
                (await session.execute(select(inbox_table.c.event_type).where(notices)))
                .scalars()
                .all()
            )

    assert sorted(m.subject for m in mail_server.to(ADDRESS)) == [
        "Ideasi on hyväksytty: Kirjaston iltapäivystys",
        "Sinulle on myönnetty palkkio",
    ]
    assert len(mail_server.mails) == 2
    assert len(await stream_messages(js, "IDEAPAJA", DELIVERED)) == 2
    assert sorted((r.template, r.status) for r in rows) == [
        ("idea_accepted", "sent"),
        ("reward_granted", "sent"),
    ]
    # Every event was handled exactly once by each consumer of it, across both runs (a
    # decision by the authors' and the supporters' consumers, a submission by the ideas'
    # projection and the receipts', whose receipt waits for the author's daily digest).
    assert sorted(handled) == sorted(
        [
            "ideapaja.person.upserted.v1",
            "ideapaja.idea.submitted.v1",
            "ideapaja.idea.submitted.v1",
            "ideapaja.review.decided.v1",
            "ideapaja.review.decided.v1",
            "ideapaja.reward.granted.v1",
        ]
    )


async def test_a_decision_for_someone_hr_never_describes_is_dead_lettered_with_the_reason(
    sqlite_url: str, nats_url: str, js: Any, dev_keys: DevKeys, mail_server: MailServer
) -> None:
    mail_server.start()
    settings = settings_for(
        nats_url, sqlite_url, dev_keys, mail_server, max_deliver=3, redelivery_backoff=[0.1]
    )
    async with running_service(service, settings) as svc:
        await publish(js, submitted("i-1", authors=["p-ghost"]))
        decision_id = await publish(js, decided("i-1"))
        [letter] = await eventually(dead_letters(js, "decisions"))
        rows = await deliveries(svc.runtime.db)
    assert letter.headers["ce-id"] == decision_id
    assert "RetryLater" in letter.headers[DLQ_REASON]
    assert "p-ghost" in letter.headers[DLQ_REASON]
    assert rows == []
    assert mail_server.mails == []


async def test_every_kind_of_notice_arrives_over_nats_by_mail_and_in_the_inbox(
    database_url: str, nats_url: str, js: Any, dev_keys: DevKeys, mail_server: MailServer
) -> None:
    """The subscriptions table wires each new kind: a question to the author, a case to a
    reviewer, a proposal to an approver, a comment to the author (one process, one stream).
    The author is an employee: a comment waits for their daily digest by default."""
    mail_server.start()
    settings = settings_for(nats_url, database_url, dev_keys, mail_server)
    async with running_service(service, settings) as svc:
        await publish(js, person("p-1", name="Åsa Öberg", language="sv", email=ADDRESS))
        await publish(js, person("p-r", email="r@vaasa.example", roles=["change_agent"]))
        await publish(js, person("p-s", email="s@vaasa.example", roles=["supervisor"]))
        await publish(js, submitted("i-1", authors=["p-1"], title="Fönsterbänkar"))
        # Who holds a role is read when the proposal arrives: HR must have spoken by then.
        await eventually(projected(svc.runtime.db, 3, "i-1"))
        await publish(
            js,
            ScreeningStarted(**CASE, reviewer_ids=["p-r"]),
        )
        await publish(js, InfoRequested(case_id="c-1", idea_id="i-1", requested_by="p-r",
                                        question="Hur många?"))  # fmt: skip
        await publish(js, IdeaCommented(idea_id="i-1", comment_id="k-1", commenter_id="p-r",
                                        body="Bra!"))  # fmt: skip
        await publish(js, AwardProposed(
            idea_id="i-1", award_id="a-1", proposed_by="p-r", kind=RewardKind.RECOGNITION,
            amount=Decimal("0"), recipient_ids=["p-1"], justification="Bra",
            approval_roles=["supervisor"],
        ))  # fmt: skip

        async def all_sent() -> list[str] | None:
            rows = await deliveries(svc.runtime.db)
            done = len(rows) == 3 and {r.status for r in rows} == {"sent"}
            return sorted(r.template for r in rows) if done else None

        assert await eventually(all_sent, timeout=20) == [
            "award_awaiting_approval", "case_to_screen", "idea_needs_info"
        ]  # fmt: skip

        async def three_waiting() -> list[Any] | None:
            # On their own consumers, which may come after the mails' ones.
            found = await digest_items(svc.runtime.db)
            return found if len(found) >= 3 else None

        waiting = await eventually(three_waiting, timeout=20)
        # The author's confirmations and the comment wait for the daily digest.
        assert sorted((i.person_id, i.kind, i.frequency) for i in waiting) == [
            ("p-1", "idea_commented", "daily"),
            ("p-1", "idea_received", "daily"),
            ("p-1", "idea_screening_started", "daily"),
        ]
        mails = mail_server.to(ADDRESS)
        # Text and HTML, each in the reader's language.
        assert all(m.message.get_content_type() == "multipart/alternative" for m in mails)
        html = [m.message.get_body(("html",)) for m in mails]
        assert all(part is not None and "Hej Åsa Öberg!" in part.get_content() for part in html)
        subjects = sorted(mail.subject for mail in mails)
        assert subjects == ["Mer information behövs om din idé: Fönsterbänkar"]
        assert [m.subject for m in mail_server.to("s@vaasa.example")] == [
            "Palkkioehdotus odottaa hyväksyntääsi: Fönsterbänkar"
        ]
        # The four notices and the author's two confirmations (the receipt, screening begun).
        assert len(await inbox_items(svc.runtime.db)) == 6
