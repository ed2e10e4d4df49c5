"""A durable consumer that already exists takes the service's changed settings at its next start
(issue 13/14: nats-py binds to an existing durable as it is, so a raised
``RETRY_LATER_MAX_DELIVER`` left JetStream stopping deliveries before the service dead-lettered
the event). A difference JetStream cannot update is logged, and the service consumes anyway."""

from __future__ import annotations

from typing import Any

import nats
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from runtime_sample_service import Behaviour, build
from runtime_testkit import fast_settings, make_idea
from structlog.testing import capture_logs

from ideapaja_contracts import encode
from ideapaja_runtime.durables import Drift, drift
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


async def test_an_update_the_server_refuses_is_logged_and_consuming_goes_on(
    nats_url: str, sqlite_url: str
) -> None:
    """nats-server refuses a max_deliver below the length of the consumer's backoff list (here
    one an operator set by hand): the refusal is a warning with the server's reason, not a
    service that cannot start."""
    stream, durable, config = await _run_once(nats_url, sqlite_url, retry_later_max_deliver=20)
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    await js.add_consumer(stream, config.evolve(backoff=[0.1] * 10))
    behaviour = Behaviour()
    settings = fast_settings(nats_url=nats_url, database_url=sqlite_url, retry_later_max_deliver=6)
    runtime = Runtime(build(behaviour), settings)
    try:
        with capture_logs() as logs:
            await runtime.start()
        [warning] = [e for e in logs if e["event"] == "consumer_config_not_updated"]
        assert warning["log_level"] == "warning"
        assert warning["differs"] == {"max_deliver": {"old": 21, "new": 7}}
        assert "backoff" in warning["error"] and "nats consumer rm" in warning["fix"]
        assert (await js.consumer_info(stream, durable)).config.max_deliver == 21
        await _handles_new_events(runtime, behaviour, js, "i-despite-refusal")
    finally:
        await runtime.stop()
        await nc.close()


def test_drift_compares_only_what_the_service_sets_and_durations_exactly() -> None:
    server = ConsumerConfig(
        name="s-x",
        durable_name="s-x",
        description="s consumes a",
        deliver_policy="all",  # type: ignore[arg-type]  # as nats-py reads it from the server
        ack_policy="explicit",  # type: ignore[arg-type]
        ack_wait=0.1,
        max_deliver=7,
        filter_subject="a",
        max_ack_pending=1000,
        max_waiting=512,
    )
    wanted = ConsumerConfig(
        name="s-x",
        durable_name="s-x",
        description="s consumes a",
        deliver_policy=DeliverPolicy.ALL,
        ack_policy=AckPolicy.EXPLICIT,
        ack_wait=100_000_000 / 1e9,
        max_deliver=7,
        filter_subject="a",
    )
    assert drift(server, wanted) == Drift({}, {})
    changed = wanted.evolve(
        description="s consumes a, b",
        filter_subject="b",
        ack_wait=0.2,
        ack_policy=AckPolicy.ALL,
        deliver_policy=DeliverPolicy.NEW,
    )
    assert drift(server, changed) == Drift(
        updatable={
            "description": ("s consumes a", "s consumes a, b"),
            "ack_wait": (0.1, 0.2),
            "filter_subject": ("a", "b"),
        },
        fixed={"deliver_policy": ("all", "new"), "ack_policy": ("explicit", "all")},
    )
    # A back-off list set on the server decides AckWait (its first entry): not a difference.
    backed_off = server.evolve(backoff=[1.0, 5.0], ack_wait=1.0)
    assert drift(backed_off, wanted.evolve(ack_wait=5.0)) == Drift({}, {})
