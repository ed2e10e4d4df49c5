"""A durable consumer that already exists takes the service's changed settings at its next start
(issue 13/14: nats-py binds to an existing durable as it is, so a raised
``RETRY_LATER_MAX_DELIVER`` left JetStream stopping deliveries before the service dead-lettered
the event). A difference JetStream cannot update is logged, and the service consumes anyway."""

from __future__ import annotations

from typing import Any

import nats
from nats.js.api import DeliverPolicy
from runtime_sample_service import Behaviour, build
from runtime_testkit import fast_settings, make_idea
from structlog.testing import capture_logs

from ideapaja_contracts import encode
from ideapaja_runtime.pulling import consumer_config
from ideapaja_runtime.service import Runtime
from ideapaja_runtime.testing import eventually


async def _run_once(nats_url: str, sqlite_url: str, **settings: Any) -> tuple[str, str, Any]:
    """Start and stop the sample service: its consumer exists with these settings."""
    runtime = Runtime(
        build(Behaviour()), fast_settings(nats_url=nats_url, database_url=sqlite_url, **settings)
    )
    await runtime.start()
    [consumer] = runtime.consumers
    config = consumer_config(consumer.processor)
    await runtime.stop()
    return consumer.stream, consumer.processor.consumer, config


async def _handles_new_events(runtime: Runtime, behaviour: Behaviour, js: Any, idea: str) -> None:
    message = encode(make_idea(idea), source="/test")
    await js.publish(message.subject, message.body, headers=message.headers)

    async def handled() -> bool:
        return idea in behaviour.calls

    await eventually(handled, timeout=20)


async def test_changed_settings_update_the_existing_consumer(
    nats_url: str, sqlite_url: str
) -> None:
    old = {"max_deliver": 3, "retry_later_max_deliver": 6, "ack_wait_seconds": 5.0}
    stream, durable, _ = await _run_once(nats_url, sqlite_url, **old)
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    behaviour = Behaviour()
    new = {"max_deliver": 3, "retry_later_max_deliver": 12, "ack_wait_seconds": 7.5}
    runtime = Runtime(
        build(behaviour), fast_settings(nats_url=nats_url, database_url=sqlite_url, **new)
    )
    try:
        before = (await js.consumer_info(stream, durable)).config
        assert (before.max_deliver, before.ack_wait) == (7, 5.0)
        with capture_logs() as logs:
            await runtime.start()
        after = (await js.consumer_info(stream, durable)).config
        assert (after.max_deliver, after.ack_wait) == (13, 7.5)
        [updated] = [e for e in logs if e["event"] == "consumer_config_updated"]
        assert updated["log_level"] == "info" and updated["consumer"] == durable
        assert updated["changes"] == {
            "ack_wait": {"old": 5.0, "new": 7.5},
            "max_deliver": {"old": 7, "new": 13},
        }
        await _handles_new_events(runtime, behaviour, js, "i-after-update")
    finally:
        await runtime.stop()
        await nc.close()

    # Unchanged settings at the next start: nothing to update, nothing logged.
    again = Runtime(
        build(Behaviour()), fast_settings(nats_url=nats_url, database_url=sqlite_url, **new)
    )
    with capture_logs() as logs:
        await again.start()
    await again.stop()
    assert [e for e in logs if e["event"].startswith("consumer_config")] == []


async def test_a_difference_jetstream_cannot_update_is_logged_and_consuming_goes_on(
    nats_url: str, sqlite_url: str
) -> None:
    stream, durable, config = await _run_once(nats_url, sqlite_url)
    assert config.deliver_policy == DeliverPolicy.ALL
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    # The same consumer as if it had been created by a version that read only new events, and
    # with an older max_deliver.
    await js.delete_consumer(stream, durable)
    old = config.evolve(name=durable, deliver_policy=DeliverPolicy.NEW, max_deliver=2)
    await js.add_consumer(stream, old)
    behaviour = Behaviour()
    runtime = Runtime(build(behaviour), fast_settings(nats_url=nats_url, database_url=sqlite_url))
    try:
        with capture_logs() as logs:
            await runtime.start()
        [warning] = [e for e in logs if e["event"] == "consumer_config_not_updatable"]
        assert warning["log_level"] == "warning" and warning["consumer"] == durable
        assert warning["differs"] == {"deliver_policy": {"old": "new", "new": "all"}}
        assert "nats consumer rm" in warning["fix"] and "RELIABILITY.md" in warning["fix"]
        # What can be updated still is; what cannot keeps the consumer's own value.
        after = (await js.consumer_info(stream, durable)).config
        assert after.max_deliver == config.max_deliver
        assert after.deliver_policy == DeliverPolicy.NEW
        await _handles_new_events(runtime, behaviour, js, "i-despite-drift")
    finally:
        await runtime.stop()
        await nc.close()
