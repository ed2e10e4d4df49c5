"""A consumer's batch, without a server: messages as nats-py hands them over (in memory, no
JetStream metadata, so each is a first delivery unless a test says which delivery it is),
recording how each one ended."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import pytest
from runtime_sample_service import Behaviour, build, count_effects
from runtime_testkit import fast_settings, make_idea
from sqlalchemy import event

from ideapaja_contracts import encode
from ideapaja_contracts.events.idea import IdeaWithdrawn
from ideapaja_runtime import messaging
from ideapaja_runtime.messaging import DLQ_REASON, ConsumerProcessor
from ideapaja_runtime.service import Runtime


@dataclass
class FakeMsg:
    """What the processor reads of a nats-py message, and the decision it took."""

    subject: str
    data: bytes
    headers: dict[str, str]
    ended: list[str] = field(default_factory=list)
    delivered: int | None = None

    @property
    def metadata(self) -> Any:
        if self.delivered is None:
            raise AttributeError("not a JetStream message")
        return SimpleNamespace(
            num_delivered=self.delivered, stream="lifecycle", sequence=SimpleNamespace(stream=1)
        )

    async def ack(self) -> None:
        self.ended.append("ack")

    async def nak(self, delay: float | None = None) -> None:
        self.ended.append(f"nak {delay}")

    async def term(self) -> None:
        self.ended.append("term")


@dataclass
class FakeJetStream:
    published: list[tuple[str, bytes, dict[str, str]]] = field(default_factory=list)

    async def publish(self, subject: str, data: bytes, **kwargs: Any) -> None:
        self.published.append((subject, data, kwargs["headers"]))


@dataclass
class Consumer:
    runtime: Runtime[Any]
    processor: ConsumerProcessor
    js: FakeJetStream
    behaviour: Behaviour
    transactions: list[int]

    async def effects(self, idea_id: str) -> int:
        async with self.runtime.db.transaction() as session:
            return await count_effects(session, idea_id)


@pytest.fixture
async def consumer(sqlite_url: str) -> AsyncIterator[Consumer]:
    behaviour = Behaviour()
    spec = build(behaviour)
    runtime = Runtime(spec, fast_settings(database_url=sqlite_url))
    await runtime.db.migrate(spec.migrations)
    [subscription] = spec.subscriptions(runtime)
    js = FakeJetStream()
    processor = ConsumerProcessor(
        service="sample",
        subscription=subscription,
        settings=runtime.settings,
        db=runtime.db,
        outbox=runtime.outbox,
        js=js,  # type: ignore[arg-type]
    )
    commits: list[int] = []
    event.listen(runtime.db.engine.sync_engine, "commit", lambda _conn: commits.append(1))
    yield Consumer(runtime, processor, js, behaviour, commits)
    await runtime.db.dispose()


def idea_message(idea_id: str, delivered: int | None = None, **header_changes: str) -> FakeMsg:
    message = encode(make_idea(idea_id), source="/test")
    headers = dict(message.headers, **header_changes)
    return FakeMsg(message.subject, message.body, headers, delivered=delivered)


async def test_a_batch_is_handled_in_one_transaction_then_each_message_is_acked(
    consumer: Consumer,
) -> None:
    batch = [idea_message(f"i-{n}") for n in range(5)]
    await consumer.processor.process_batch(batch)  # type: ignore[arg-type]
    assert consumer.behaviour.calls == [f"i-{n}" for n in range(5)], "in order"
    assert [m.ended for m in batch] == [["ack"]] * 5
    assert len(consumer.transactions) == 1
    assert [await consumer.effects(f"i-{n}") for n in range(5)] == [1] * 5


async def test_a_failing_event_is_retried_alone_and_its_neighbours_are_kept(
    consumer: Consumer,
) -> None:
    consumer.behaviour.fail_for.add("i-bad")
    batch = [idea_message("i-a"), idea_message("i-bad"), idea_message("i-b")]
    await consumer.processor.process_batch(batch)  # type: ignore[arg-type]
    assert [m.ended for m in batch] == [["ack"], ["nak 0.1"], ["ack"]]
    assert [await consumer.effects(i) for i in ("i-a", "i-bad", "i-b")] == [1, 0, 1]
    # The batch was undone whole, then each event ran in its own transaction.
    assert consumer.behaviour.calls == ["i-a", "i-bad", "i-a", "i-bad", "i-b"]


async def test_the_same_event_twice_in_a_batch_or_again_later_is_handled_once(
    consumer: Consumer,
) -> None:
    first = idea_message("i-twice")
    copy = FakeMsg(first.subject, first.data, dict(first.headers, **{"Nats-Msg-Id": "copy"}))
    await consumer.processor.process_batch([first, copy])  # type: ignore[list-item]
    later = FakeMsg(first.subject, first.data, dict(first.headers))
    await consumer.processor.process_batch([later, idea_message("i-new")])  # type: ignore[list-item]
    assert consumer.behaviour.calls == ["i-twice", "i-new"]
    assert first.ended == copy.ended == later.ended == ["ack"]
    assert await consumer.effects("i-twice") == 1


async def test_an_invalid_message_is_dead_lettered_and_the_rest_handled(
    consumer: Consumer,
) -> None:
    broken = idea_message("i-broken")
    broken.data = b'{"idea_id": 42'
    withdrawn = encode(IdeaWithdrawn(idea_id="i-x", withdrawn_by="p-1"), source="/test")
    other_type = FakeMsg(withdrawn.subject, withdrawn.body, dict(withdrawn.headers))
    good = idea_message("i-good")
    await consumer.processor.process_batch([broken, other_type, good])  # type: ignore[list-item]
    assert broken.ended == ["term"] and other_type.ended == ["ack"] and good.ended == ["ack"]
    [(subject, data, headers)] = consumer.js.published
    assert subject.startswith("deadletter.sample.") and data == broken.data
    assert headers[DLQ_REASON].startswith("invalid event: ")
    assert consumer.behaviour.calls == ["i-good"]


async def test_retry_later_waits_its_own_delay(consumer: Consumer) -> None:
    consumer.behaviour.not_yet.add("i-early")
    batch = [idea_message("i-early"), idea_message("i-ok")]
    await consumer.processor.process_batch(batch)  # type: ignore[arg-type]
    # The test settings' steady delay (0.1 s) caps the first one (0.2 s).
    delay = consumer.runtime.settings.retry_later_delay_seconds
    assert [m.ended for m in batch] == [[f"nak {delay}"], ["ack"]]


async def test_retry_later_is_retried_quickly_at_first_then_at_the_steady_delay(
    consumer: Consumer,
) -> None:
    """What it waits for is usually milliseconds behind: not 15 s for the first retry."""
    consumer.processor.settings = consumer.runtime.settings.model_copy(
        update={"retry_later_delay_seconds": 15.0, "retry_later_first_delays": [0.2, 0.5, 1.0]}
    )
    consumer.behaviour.not_yet.add("i-early")
    first, second, late = (idea_message("i-early", delivered=n) for n in (1, 2, 4))
    for message in (first, second, late):
        await consumer.processor.process_batch([message])  # type: ignore[list-item]
    assert [first.ended, second.ended, late.ended] == [["nak 0.2"], ["nak 0.5"], ["nak 15.0"]]


async def test_a_known_type_this_consumer_does_not_handle_is_acked_unread(
    consumer: Consumer,
) -> None:
    """Told by its ``ce-type`` header: the body is not even decoded (a broken body there is the
    business of the consumers that handle the type, not a reason to dead-letter it here)."""
    withdrawn = encode(IdeaWithdrawn(idea_id="i-x", withdrawn_by="p-1"), source="/test")
    not_ours = FakeMsg(withdrawn.subject, b"not json at all", dict(withdrawn.headers))
    unknown = idea_message("i-unknown", **{"ce-type": "ideapaja.idea.submitted.v99"})
    # A message that names another subject's type is read too, and dead-lettered if invalid.
    elsewhere = FakeMsg(make_idea("i-y").subject(), b"x" * 1000, dict(withdrawn.headers))
    batch = [not_ours, unknown, elsewhere]
    await consumer.processor.process_batch(batch)  # type: ignore[arg-type]
    assert not_ours.ended == ["ack"]
    # A type the contracts do not know is still read, and dead-lettered.
    assert unknown.ended == ["term"] and elsewhere.ended == ["term"]
    reasons = [headers[DLQ_REASON] for _, _, headers in consumer.js.published]
    assert "unknown event type" in reasons[0] and "invalid event" in reasons[1]


async def test_events_of_types_without_interest_are_acked_without_a_transaction(
    consumer: Consumer,
) -> None:
    asked: list[int] = []
    interest: set[str] = set()

    async def wanted() -> set[str]:
        asked.append(1)
        if interest == {"fail"}:
            raise RuntimeError("configuration unreadable")
        return interest

    subscription = consumer.processor.subscription
    consumer.processor.subscription = dataclasses.replace(subscription, interest=wanted)
    batch = [idea_message(f"i-{n}") for n in range(3)]
    await consumer.processor.process_batch(batch)  # type: ignore[arg-type]
    assert [m.ended for m in batch] == [["ack"]] * 3
    assert consumer.behaviour.calls == [] and consumer.transactions == []
    assert asked == [1], "asked once per batch"

    # Asked again at each batch: once something wants the type, the same events are handled
    # (skipped before, they were not recorded as handled).
    interest.update(consumer.processor.handled_types)
    again = [idea_message(f"i-{n}") for n in range(3)]
    await consumer.processor.process_batch(again)  # type: ignore[arg-type]
    assert consumer.behaviour.calls == ["i-0", "i-1", "i-2"]
    assert [await consumer.effects(f"i-{n}") for n in range(3)] == [1, 1, 1]

    # Asking fails: every handled type counts as wanted, and the batch is handled as usual.
    interest.clear()
    interest.add("fail")
    failing = [idea_message("i-3")]
    await consumer.processor.process_batch(failing)  # type: ignore[arg-type]
    assert consumer.behaviour.calls[-1] == "i-3" and failing[0].ended == ["ack"]


@pytest.mark.parametrize(
    ("event_type", "subject", "own"),
    [
        ("ideapaja.idea.withdrawn.v1", "ideapaja.idea.withdrawn.v1", True),
        ("ideapaja.idea.withdrawn.v1", "ideapaja.idea.submitted.v1", False),
        ("ideapaja.person.upserted.v1", "hr.person.p-1", True),
        ("ideapaja.person.upserted.v1", "hr.unit.u-1", False),
        ("ideapaja.person.upserted.v1", "hr.person.p-1.extra", False),
    ],
)
def test_a_type_is_skipped_unread_only_on_its_own_subject(
    event_type: str, subject: str, own: bool
) -> None:
    assert messaging._on_its_subject(event_type, subject) is own
