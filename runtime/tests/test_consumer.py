"""Consumers on a real NATS server and real databases: dedupe, redelivery, dead letters."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import nats
from nats.js import JetStreamContext
from runtime_sample_service import Behaviour, build, count_effects
from runtime_testkit import eventually, fast_settings, make_idea

from ideapaja_contracts import OutgoingMessage, encode
from ideapaja_runtime.messaging import DLQ_CONSUMER, DLQ_DELIVERIES, DLQ_REASON
from ideapaja_runtime.service import Runtime
from ideapaja_runtime.testing import stream_messages


async def publish_idea(js: JetStreamContext, idea_id: str) -> OutgoingMessage:
    """Publish an IdeaSubmitted for ``idea_id`` as another service would."""
    message = encode(make_idea(idea_id), source="/test")
    await js.publish(message.subject, message.body, headers=message.headers)
    return message


async def effects_of(runtime: Runtime, idea_id: str) -> int:
    async with runtime.db.transaction() as session:
        return await count_effects(session, idea_id)


async def dead_letters(js: JetStreamContext, runtime: Runtime) -> list[nats.aio.msg.Msg]:
    return await stream_messages(js, runtime.settings.dead_letter_stream)


async def test_event_is_handled_once_even_when_delivered_again(
    sample_runtime: Runtime, js: JetStreamContext, behaviour: Behaviour
) -> None:
    message = await publish_idea(js, "i-once")
    await eventually(lambda: effects_of(sample_runtime, "i-once"))

    # The same event again under another Nats-Msg-Id (as after the dedupe window, or a replay):
    # JetStream stores it, the consumer's inbox makes it a no-op.
    again = dict(message.headers, **{"Nats-Msg-Id": "replayed-copy"})
    ack = await js.publish(message.subject, message.body, headers=again)
    assert not ack.duplicate
    consumer = sample_runtime.processors[0].consumer
    stream = sample_runtime.settings.lifecycle_stream

    async def both_acked() -> bool:
        info = await js.consumer_info(stream, consumer)
        return info.ack_floor.stream_seq == 2 and info.num_ack_pending == 0

    await eventually(both_acked)
    assert await effects_of(sample_runtime, "i-once") == 1
    assert behaviour.calls == ["i-once"]


async def test_failing_handler_is_redelivered_then_dead_lettered(
    sample_runtime: Runtime, js: JetStreamContext, behaviour: Behaviour
) -> None:
    behaviour.fail_for.add("i-fails")
    message = await publish_idea(js, "i-fails")

    letters = await eventually(lambda: dead_letters(js, sample_runtime))
    assert behaviour.calls == ["i-fails"] * sample_runtime.settings.max_deliver
    [letter] = letters
    assert letter.headers is not None
    assert "simulated failure for i-fails" in letter.headers[DLQ_REASON]
    assert letter.headers[DLQ_DELIVERIES] == str(sample_runtime.settings.max_deliver)
    assert letter.headers[DLQ_CONSUMER] == "sample-submissions"
    assert letter.headers["ce-id"] == message.envelope.id
    assert letter.data == message.body
    # Every failed attempt rolled back its effect (and its inbox row).
    assert await effects_of(sample_runtime, "i-fails") == 0


async def test_malformed_payload_is_dead_lettered_and_consumer_keeps_running(
    sample_runtime: Runtime, js: JetStreamContext, behaviour: Behaviour
) -> None:
    good = encode(make_idea("i-after-bad"), source="/test")
    bad_body = json.loads(good.body)
    del bad_body["title"]
    bad_body["scope"] = "galaxy"
    bad_headers = dict(good.headers, **{"ce-id": "bad-1", "Nats-Msg-Id": "bad-1"})
    await js.publish(good.subject, json.dumps(bad_body).encode(), headers=bad_headers)
    await js.publish(
        good.subject,
        b"{not json",
        headers={**bad_headers, "Nats-Msg-Id": "bad-2", "ce-id": "bad-2"},
    )
    await js.publish(good.subject, good.body, headers={"Nats-Msg-Id": "no-envelope"})
    await js.publish(good.subject, good.body, headers=good.headers)

    await eventually(lambda: effects_of(sample_runtime, "i-after-bad"))
    letters = await eventually(lambda: _at_least(3, dead_letters(js, sample_runtime)))
    reasons = [m.headers[DLQ_REASON] for m in letters if m.headers]
    assert "title: Field required" in reasons[0]
    assert "scope" in reasons[0]
    assert "ValidationError" in reasons[1] and "json" in reasons[1].lower()
    assert "missing CloudEvents header" in reasons[2]
    # Invalid events are not retried: the handler never saw them.
    assert behaviour.calls == ["i-after-bad"]


async def _at_least(n: int, letters_coro: object) -> list[nats.aio.msg.Msg] | None:
    letters = await letters_coro  # type: ignore[misc]
    return letters if len(letters) >= n else None


async def test_events_published_by_a_handler_go_out_through_the_outbox(
    sample_runtime: Runtime, js: JetStreamContext, behaviour: Behaviour
) -> None:
    behaviour.withdraw_on_submit = True
    message = await publish_idea(js, "i-chain")
    sub = await js.subscribe(
        "ideapaja.idea.withdrawn.v1", stream=sample_runtime.settings.lifecycle_stream
    )
    follow_up = await sub.next_msg(timeout=10)
    assert follow_up.headers is not None
    assert follow_up.headers["ce-type"] == "ideapaja.idea.withdrawn.v1"
    assert follow_up.headers["ce-source"] == "/ideapaja/sample"
    # The follow-up continues the trace of the event that caused it.
    assert (
        follow_up.headers["traceparent"].split("-")[1] == message.envelope.traceparent.split("-")[1]
    )  # type: ignore[union-attr]
    assert json.loads(follow_up.data)["idea_id"] == "i-chain"


async def test_retry_later_waits_longer_than_errors_then_succeeds(
    sample_runtime: Runtime, js: JetStreamContext, behaviour: Behaviour
) -> None:
    behaviour.not_yet.add("i-waits")
    await publish_idea(js, "i-waits")

    async def beyond_error_budget() -> bool:
        return len(behaviour.calls) > sample_runtime.settings.max_deliver

    await eventually(beyond_error_budget)
    behaviour.not_yet.clear()
    await eventually(lambda: effects_of(sample_runtime, "i-waits"))
    assert await dead_letters(js, sample_runtime) == []


async def test_retry_later_is_dead_lettered_when_its_budget_runs_out(
    sample_runtime: Runtime, js: JetStreamContext, behaviour: Behaviour
) -> None:
    behaviour.not_yet.add("i-never")
    await publish_idea(js, "i-never")
    [letter] = await eventually(lambda: dead_letters(js, sample_runtime))
    assert len(behaviour.calls) == sample_runtime.settings.retry_later_max_deliver
    assert "RetryLater: i-never depends on something not seen yet" in letter.headers[DLQ_REASON]


async def test_new_events_only_consumer_skips_history_on_first_deployment(
    nats_url: str, sqlite_url: str, js: JetStreamContext
) -> None:
    """A consumer that mails people must not replay years of history when first deployed."""
    import dataclasses

    from runtime_sample_service import build
    from runtime_testkit import fast_settings

    from ideapaja_contracts.events.idea import IdeaSubmitted
    from ideapaja_runtime.messaging import HandlerContext, Subscription

    seen: list[str] = []

    async def remember(event: IdeaSubmitted, ctx: HandlerContext) -> None:
        seen.append(event.idea_id)

    spec = dataclasses.replace(
        build(Behaviour()),
        subscriptions=lambda _rt: [
            Subscription("mailer", {IdeaSubmitted: remember}, new_events_only=True)
        ],
    )
    settings = fast_settings(nats_url=nats_url, database_url=sqlite_url)
    from ideapaja_runtime.streams import ensure_streams

    await ensure_streams(js, settings)
    await publish_idea(js, "i-history")
    runtime = Runtime(spec, settings)
    await runtime.start()
    try:
        await publish_idea(js, "i-new")

        async def saw_new() -> bool:
            return "i-new" in seen

        await eventually(saw_new)
        assert seen == ["i-new"]
    finally:
        await runtime.stop()


async def test_a_consumer_goes_on_after_the_nats_server_restarts(
    nats_server: Any, behaviour: Behaviour, sqlite_url: str
) -> None:
    """The fetch loop outlives a server restart (nats-py reconnects; a failed fetch is retried
    with growing pauses, and the subscription is bound again if the server lost it)."""
    runtime = Runtime(
        build(behaviour), fast_settings(nats_url=nats_server.url, database_url=sqlite_url)
    )
    await runtime.start()
    try:
        nc = await nats.connect(nats_server.url, max_reconnect_attempts=-1)
        await publish_idea(nc.jetstream(), "i-before")
        await eventually(lambda: effects_of(runtime, "i-before"))
        await nc.close()
        nats_server.stop()
        await asyncio.sleep(1.0)  # the loop's fetches fail meanwhile
        nats_server.start()
        nc = await nats.connect(nats_server.url, max_reconnect_attempts=-1)
        await publish_idea(nc.jetstream(), "i-after")
        await eventually(lambda: effects_of(runtime, "i-after"), timeout=30)
        await nc.close()
    finally:
        await runtime.stop()
    assert behaviour.calls == ["i-before", "i-after"]
