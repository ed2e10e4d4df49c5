"""The delivery sender on SQLite and PostgreSQL: outcomes, retries, claims and the crash window."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from notification_testkit import (
    decided,
    deliveries,
    handle,
    outbox_events,
    person,
    service_settings,
    submitted,
)
from prometheus_client import REGISTRY

from ideapaja_contracts.events.notification import NotificationChannel
from ideapaja_notification import handlers
from ideapaja_notification.channels import ChannelError, OutgoingMessage
from ideapaja_notification.domain.deliveries import RetryPolicy
from ideapaja_notification.errors import NotRequeueable
from ideapaja_notification.sender import DeliverySender
from ideapaja_notification.usecases.deliveries import requeue
from ideapaja_runtime.db import Database
from ideapaja_runtime.outbox import Outbox
from ideapaja_runtime.testing import eventually, uow_in

DELIVERED = "ideapaja.notification.delivered.v1"
FAILED = "ideapaja.notification.failed.v1"


class FakeChannel:
    """Records what it is asked to send; fails while ``failures`` has errors left."""

    name = NotificationChannel.EMAIL

    def __init__(self) -> None:
        self.sent: list[OutgoingMessage] = []
        self.failures: list[ChannelError] = []

    async def send(self, message: OutgoingMessage) -> None:
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append(message)

    async def aclose(self) -> None:
        pass


def make_sender(
    db: Database,
    channel: FakeChannel,
    *,
    max_attempts: int = 3,
    lease_seconds: float = 30,
    attempt_lease_seconds: float | None = None,
) -> DeliverySender:
    return DeliverySender(
        db,
        Outbox("/ideapaja/notification"),
        {"email": channel},
        RetryPolicy(max_attempts=max_attempts, base_seconds=0.05, max_seconds=0.1),
        lease_seconds=lease_seconds,
        attempt_lease_seconds=attempt_lease_seconds or lease_seconds,
    )


def sample(name: str) -> float:
    return REGISTRY.get_sample_value(name, {"channel": "email"}) or 0.0


@pytest.fixture
def channel() -> FakeChannel:
    return FakeChannel()


@pytest.fixture
async def queued(notification_db: Database) -> AsyncIterator[Database]:
    """Two pending deliveries (a fi and a sv author of one accepted idea)."""
    db = notification_db
    await handle(db, handlers.on_person_upserted, person("p-1", language="fi"))
    await handle(db, handlers.on_person_upserted, person("p-2", language="sv"))
    await handle(db, handlers.on_idea_submitted, submitted("i-1", authors=["p-1", "p-2"]))
    await handle(db, handlers.on_review_decided, decided("i-1"))
    yield db


async def test_pending_deliveries_are_sent_and_reported(
    queued: Database, channel: FakeChannel
) -> None:
    sender = make_sender(queued, channel)
    assert await sender.send_due() == 2
    assert sorted(m.address for m in channel.sent) == ["p-1@vaasa.example", "p-2@vaasa.example"]

    rows = await deliveries(queued)
    assert {(r.status, r.attempts, r.claim_token) for r in rows} == {("sent", 1, None)}
    assert all(r.sent_at is not None for r in rows)
    events = await outbox_events(queued, DELIVERED)
    assert sorted(e["body"]["notification_id"] for e in events) == sorted(r.id for r in rows)
    for event, row in zip(
        sorted(events, key=lambda e: e["body"]["notification_id"]),
        sorted(rows, key=lambda r: r.id),
        strict=True,
    ):
        assert event["body"]["person_id"] == row.person_id
        assert event["body"]["cause_event_id"] == row.cause_event_id
        assert event["body"]["template"] == "idea_accepted"
        assert event["body"]["channel"] == "email"
        # The outcome continues the trace of the decision that caused it.
        assert row.cause_traceparent is not None
        assert event["headers"]["traceparent"].split("-")[1] == row.cause_traceparent.split("-")[1]

    # Nothing is sent twice.
    assert await sender.send_due() == 0
    assert len(channel.sent) == 2


async def test_a_transient_failure_is_retried_after_a_pause(
    queued: Database, channel: FakeChannel
) -> None:
    channel.failures = [ChannelError("SMTP unavailable", permanent=False)]
    sender = make_sender(queued, channel)
    await sender.send_due()
    rows = await deliveries(queued)
    retried = [r for r in rows if r.status == "pending"]
    assert len(retried) == 1
    assert retried[0].attempts == 1 and retried[0].last_error == "SMTP unavailable"

    async def all_sent() -> bool:
        await sender.send_due()
        return {r.status for r in await deliveries(queued)} == {"sent"}

    await eventually(all_sent)
    assert len(channel.sent) == 2
    assert {r.id: r.attempts for r in await deliveries(queued)}[retried[0].id] == 2
    assert await outbox_events(queued, FAILED) == []


async def test_after_the_last_attempt_the_delivery_is_failed_and_reported(
    queued: Database, channel: FakeChannel
) -> None:
    channel.failures = [ChannelError("SMTP unavailable", permanent=False)] * 4
    sender = make_sender(queued, channel, max_attempts=2)

    async def settled() -> bool:
        await sender.send_due()
        return "pending" not in {r.status for r in await deliveries(queued)}

    await eventually(settled)
    rows = await deliveries(queued)
    assert sorted((r.status, r.attempts) for r in rows) == [("failed", 2), ("failed", 2)]
    failed = await outbox_events(queued, FAILED)
    assert sorted(e["body"]["notification_id"] for e in failed) == sorted(r.id for r in rows)
    assert {e["body"]["error"] for e in failed} == {"SMTP unavailable"}
    assert channel.sent == []


async def test_a_permanent_failure_is_not_retried(queued: Database, channel: FakeChannel) -> None:
    channel.failures = [ChannelError("550 no such user", permanent=True)]
    sender = make_sender(queued, channel, max_attempts=5)
    await sender.send_due()
    assert sorted((r.status, r.attempts) for r in await deliveries(queued)) == [
        ("failed", 1),
        ("sent", 1),
    ]


async def test_a_delivery_without_its_channel_fails(queued: Database) -> None:
    sender = DeliverySender(
        queued,
        Outbox("/ideapaja/notification"),
        {},
        RetryPolicy(max_attempts=5, base_seconds=1, max_seconds=1),
    )
    await sender.send_due()
    rows = await deliveries(queued)
    assert {r.status for r in rows} == {"failed"}
    assert "not available" in (rows[0].last_error or "")


async def test_two_replicas_never_claim_the_same_delivery(
    queued: Database, channel: FakeChannel
) -> None:
    other_db = Database(queued.url)
    try:
        first, second = await asyncio.gather(
            make_sender(queued, channel).claim_due(),
            make_sender(other_db, channel).claim_due(),
        )
    finally:
        await other_db.dispose()
    claimed = [c.id for c in first] + [c.id for c in second]
    assert sorted(claimed) == sorted(r.id for r in await deliveries(queued))


async def test_a_sender_that_died_mid_send_is_taken_over_with_the_same_message_id(
    queued: Database, channel: FakeChannel
) -> None:
    dead = make_sender(queued, FakeChannel(), lease_seconds=0.3)
    abandoned = await dead.claim_due()
    assert len(abandoned) == 2

    survivor = make_sender(queued, channel)
    # Leased: nobody else touches them until the lease lapses.
    assert await survivor.send_due() == 0

    async def taken_over() -> int:
        await survivor.send_due()
        return len(channel.sent)

    assert await eventually(taken_over) == 2
    assert sorted(m.delivery_id for m in channel.sent) == sorted(c.id for c in abandoned)

    # The stalled sender wakes up and reports success: its claim is gone, nothing is recorded twice.
    await dead.record_sent(abandoned[0])
    assert len(await outbox_events(queued, DELIVERED)) == 2


async def test_only_failed_deliveries_can_be_queued_again(
    queued: Database, channel: FakeChannel
) -> None:
    channel.failures = [ChannelError("550 no such user", permanent=True)]
    await make_sender(queued, channel).send_due()
    rows = await deliveries(queued)
    failed = next(r for r in rows if r.status == "failed")
    sent = next(r for r in rows if r.status == "sent")
    # HR corrected the address meanwhile.
    await handle(
        queued,
        handlers.on_person_upserted,
        person(failed.person_id, email="korjattu@vaasa.example"),
    )

    async with queued.transaction() as session:
        requeued = await requeue(uow_in(session, service_settings()), failed.id)
    assert requeued is not None
    assert (requeued.status, requeued.attempts, requeued.address) == (
        "pending",
        0,
        "korjattu@vaasa.example",
    )
    with pytest.raises(NotRequeueable):
        async with queued.transaction() as session:
            await requeue(uow_in(session, service_settings()), sent.id)
    async with queued.transaction() as session:
        assert await requeue(uow_in(session, service_settings()), "no-such-delivery") is None

    await make_sender(queued, channel).send_due()
    assert channel.sent[-1].address == "korjattu@vaasa.example"
    assert {r.status for r in await deliveries(queued)} == {"sent"}


async def test_a_graceful_stop_hands_back_the_deliveries_it_had_not_started(
    queued: Database, channel: FakeChannel
) -> None:
    stopping = make_sender(queued, FakeChannel(), lease_seconds=300)
    assert len(await stopping.claim_due()) == 2
    await stopping.stop()

    # The next start (or another replica) sends them at once, not when the lease lapses.
    assert await make_sender(queued, channel, lease_seconds=300).send_due() == 2
    assert len(channel.sent) == 2


async def test_an_interrupted_attempt_is_sent_again_once_and_counted(
    queued: Database, channel: FakeChannel
) -> None:
    resent = sample("ideapaja_notification_resent_after_interrupted_attempt_total")
    dead = make_sender(queued, FakeChannel(), lease_seconds=0.2)
    first, second = await dead.claim_due()
    # It began sending the first (the server may have accepted it) and was killed.
    assert await dead.begin_attempt(first)

    survivor = make_sender(queued, channel, lease_seconds=300)

    async def both_sent() -> bool:
        # The two claims lapse one after the other: the untouched one first, then the attempt.
        await survivor.send_due()
        return len(channel.sent) >= 2

    assert await eventually(both_sent)
    assert len(channel.sent) == 2
    # Only the interrupted one can be a second copy; it is counted, and logged with its time.
    assert sample("ideapaja_notification_resent_after_interrupted_attempt_total") == resent + 1
    rows = {d.id: d for d in await deliveries(queued)}
    assert rows[first.id].status == rows[second.id].status == "sent"
    assert rows[first.id].attempt_started_at is None


async def test_an_attempt_holds_its_delivery_past_the_batch_lease(
    queued: Database, channel: FakeChannel
) -> None:
    slow = make_sender(queued, FakeChannel(), lease_seconds=0.2, attempt_lease_seconds=300)
    first, _ = await slow.claim_due()
    assert await slow.begin_attempt(first)
    await asyncio.sleep(0.3)

    # The batch lease has lapsed: the untouched delivery moves on, the one being sent does not.
    other = make_sender(queued, channel)
    assert await other.send_due() == 1
    assert [m.delivery_id for m in channel.sent] != [first.id]


class AwayAfterAccept(FakeChannel):
    """The server accepts the mail, and at that moment the database goes away for a while
    (PostgreSQL stopped or failing over): nothing can be written, nor does it answer a ping."""

    def __init__(self, db: Database, failures: int) -> None:
        super().__init__()
        self.db, self.failures_left = db, failures

    async def send(self, message: OutgoingMessage) -> None:
        await super().send(message)
        transaction, ping = self.db.transaction, self.db.ping

        def away() -> object:
            if self.failures_left <= 0:
                self.db.transaction, self.db.ping = transaction, ping  # type: ignore[method-assign]
                return transaction()
            self.failures_left -= 1
            raise ConnectionRefusedError(111, "Connect call failed")

        async def no_answer() -> None:
            away()  # raises while the database is away

        self.db.transaction, self.db.ping = away, no_answer  # type: ignore[method-assign,assignment]


async def test_a_sent_mail_is_recorded_once_the_database_is_back_not_sent_again(
    queued: Database,
) -> None:
    """F2: the database goes away between the SMTP server's accept and the record: the sender
    records it once the database answers, instead of leaving the claim to lapse and sending the
    mail a second time after the attempt lease."""
    channel = AwayAfterAccept(queued, failures=4)
    sender = make_sender(queued, channel, lease_seconds=0.2, attempt_lease_seconds=60)
    [first, _] = await sender.claim_due()
    assert await sender.attempt(first)
    assert channel.failures_left == 0
    rows = {d.id: d for d in await deliveries(queued)}
    assert rows[first.id].status == "sent" and rows[first.id].attempts == 1
    assert await make_sender(queued, channel).send_due() == 1  # only the other one
    assert [m.delivery_id for m in channel.sent].count(first.id) == 1
