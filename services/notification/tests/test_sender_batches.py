"""The sender over one SMTP conversation, and the transactions it spends per mail."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from typing import Any

import pytest
from notification_testkit import (
    SlowSmtpServer,
    decided,
    deliveries,
    handle,
    outbox_events,
    person,
    submitted,
)

from ideapaja_notification import handlers
from ideapaja_notification.channels import OutgoingMessage
from ideapaja_notification.channels.email import EmailChannel
from ideapaja_notification.channels.pool import ChannelPool
from ideapaja_notification.domain.deliveries import RetryPolicy
from ideapaja_notification.sender import DeliverySender
from ideapaja_notification.settings import NotificationSettings
from ideapaja_runtime.db import Database
from ideapaja_runtime.outbox import Outbox

AUTHORS = [f"p-{n}" for n in range(1, 6)]
DELIVERED = "ideapaja.notification.delivered.v1"


@pytest.fixture
async def five_queued(notification_db: Database) -> AsyncIterator[Database]:
    """Five pending deliveries: the authors of one accepted idea."""
    db = notification_db
    for author in AUTHORS:
        await handle(db, handlers.on_person_upserted, person(author))
    await handle(db, handlers.on_idea_submitted, submitted("i-1", authors=AUTHORS))
    await handle(db, handlers.on_review_decided, decided("i-1"))
    yield db


def sender_on(db: Database, channel: Any, conversations: int = 1) -> DeliverySender:
    return DeliverySender(
        db,
        Outbox("/ideapaja/notification"),
        {"email": channel},
        RetryPolicy(max_attempts=3, base_seconds=0.05, max_seconds=0.1),
        conversations=conversations,
        lease_seconds=30,
        attempt_lease_seconds=30,
    )


def smtp_to(server: SlowSmtpServer) -> EmailChannel:
    return EmailChannel(NotificationSettings(smtp_port=server.port, smtp_timeout_seconds=2.0))


async def test_a_batch_goes_out_over_one_conversation(five_queued: Database) -> None:
    async with SlowSmtpServer() as server:
        sender = sender_on(five_queued, smtp_to(server))
        assert await sender.send_due() == 5
        await sender.close()
    assert (server.accepted, server.connections) == (5, 1)
    assert {r.status for r in await deliveries(five_queued)} == {"sent"}


async def test_lanes_send_side_by_side_each_on_its_own_conversation(
    five_queued: Database,
) -> None:
    async with SlowSmtpServer(data_delay=0.3) as server:
        pool = ChannelPool([smtp_to(server) for _ in range(3)])
        sender = sender_on(five_queued, pool, conversations=3)
        assert await sender.send_due() == 5
        await sender.close()
    assert server.most_in_data == 3  # one conversation would have had one at a time
    assert (server.accepted, server.received, server.connections) == (5, 5, 3)
    rows = await deliveries(five_queued)
    assert {(r.status, r.attempts) for r in rows} == {("sent", 1)}
    assert len(await outbox_events(five_queued, DELIVERED)) == 5


@pytest.mark.parametrize("how", ["drop_after", "busy_after"])
async def test_a_server_that_ends_the_conversation_mid_batch_still_gets_each_mail_once(
    five_queued: Database, how: str
) -> None:
    async with SlowSmtpServer(**{how: 2}) as server:
        sender = sender_on(five_queued, smtp_to(server))
        assert await sender.send_due() == 5
        await sender.close()
    assert (server.accepted, server.received, server.connections) == (5, 5, 3)
    rows = await deliveries(five_queued)
    assert {(r.status, r.attempts) for r in rows} == {("sent", 1)}
    assert len(await outbox_events(five_queued, DELIVERED)) == 5


async def test_a_refused_recipient_fails_only_its_own_delivery(five_queued: Database) -> None:
    async with SlowSmtpServer(refuse=["p-3@vaasa.example"]) as server:
        sender = sender_on(five_queued, smtp_to(server))
        assert await sender.send_due() == 5
        await sender.close()
    assert (server.accepted, server.connections) == (4, 1)
    by_person = {r.person_id: r.status for r in await deliveries(five_queued)}
    assert by_person == {"p-1": "sent", "p-2": "sent", "p-3": "failed", "p-4": "sent",
                         "p-5": "sent"}  # fmt: skip


class CountingTransactions:
    """Counts the transactions opened on ``db``."""

    def __init__(self, db: Database) -> None:
        self.count = 0
        original = db.transaction

        def counted() -> AbstractAsyncContextManager[Any]:
            self.count += 1
            return original()

        db.transaction = counted  # type: ignore[method-assign]


class Recorder:
    name = "email"

    def __init__(self) -> None:
        self.sent: list[OutgoingMessage] = []

    async def send(self, message: OutgoingMessage) -> None:
        self.sent.append(message)

    async def aclose(self) -> None:
        pass


async def test_a_mail_s_outcome_and_the_next_one_s_beginning_are_one_transaction(
    five_queued: Database,
) -> None:
    channel = Recorder()
    sender = sender_on(five_queued, channel)
    counting = CountingTransactions(five_queued)
    assert await sender.send_due() == 5
    # The claim, the first mail's beginning, then one per mail: its outcome with the next
    # one's beginning (a transaction to begin and another to record each, before).
    assert counting.count == 1 + 1 + 5
    rows = await deliveries(five_queued)
    assert {(r.status, r.attempts, r.attempt_started_at) for r in rows} == {("sent", 1, None)}
    assert len(channel.sent) == 5


async def test_a_mail_begun_with_the_last_outcome_is_sent_even_when_a_stop_comes(
    five_queued: Database,
) -> None:
    channel = Recorder()
    sender = sender_on(five_queued, channel)
    recorded = sender.outcome

    def stop_after_the_first(item: Any, outcome: str, **fields: object) -> None:
        recorded(item, outcome, **fields)
        sender._stopping = True  # the stop comes right after the first outcome's commit

    sender.outcome = stop_after_the_first  # type: ignore[method-assign]
    await sender.send_due()
    await sender.release_claims()
    rows = await deliveries(five_queued)
    # The second was begun with the first's outcome: it is sent, not left begun (which the
    # next sender would count as a possible second copy); the rest are handed back untouched.
    assert len(channel.sent) == 2
    assert sorted(r.status for r in rows) == ["pending"] * 3 + ["sent"] * 2
    assert all(r.attempt_started_at is None and r.claim_token is None for r in rows)


async def test_a_decision_goes_out_before_the_notices_queued_ahead_of_it(
    notification_db: Database,
) -> None:
    """A flood of queued notices (a burst of ideas, a city-wide digest) does not hold up the
    news a person waits for: the sender takes due mail most urgent first, then oldest."""
    db = notification_db
    # A change agent has receipts mailed at once (an employee, in the daily digest).
    await handle(db, handlers.on_person_upserted, person("p-1", roles=("change_agent",)))
    for n in range(30):
        idea = submitted(f"i-{n}", authors=["p-1"])
        await handle(db, handlers.on_idea_submitted, idea)
        await handle(db, handlers.on_idea_received, idea)
    await handle(db, handlers.on_review_decided, decided("i-7"))
    sender = sender_on(db, channel=None)
    sender.batch_size = 5
    claimed = await sender.claim_due()
    assert [item.template for item in claimed] == ["idea_accepted"] + ["idea_received"] * 4
    # The notices themselves keep their order: oldest first.
    rows = {row.id: row for row in await deliveries(db)}
    created = [rows[item.id].created_at for item in claimed[1:]]
    assert created == sorted(created)
