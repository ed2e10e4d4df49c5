"""Handler logic through FastStream's in-memory TestNatsBroker (no server needed)."""

from __future__ import annotations

from faststream.nats import TestNatsBroker
from runtime_sample_service import Behaviour, build, count_effects
from runtime_testkit import fast_settings, make_idea

from ideapaja_contracts import encode
from ideapaja_runtime.messaging import ConsumerProcessor, register_subscription
from ideapaja_runtime.service import Runtime


async def test_subscription_dispatches_by_type_and_dedupes(sqlite_url: str) -> None:
    behaviour = Behaviour()
    spec = build(behaviour)
    runtime = Runtime(spec, fast_settings(database_url=sqlite_url))
    await runtime.db.migrate(spec.migrations)
    [subscription] = spec.subscriptions(runtime)
    processor = ConsumerProcessor(
        service="sample",
        subscription=subscription,
        settings=runtime.settings,
        db=runtime.db,
        outbox=runtime.outbox,
        js=None,  # type: ignore[arg-type]
    )
    register_subscription(runtime.broker, processor)
    message = encode(make_idea("i-mem"), source="/test")
    async with TestNatsBroker(runtime.broker) as broker:
        await broker.publish(message.body, message.subject, headers=message.headers)
        await broker.publish(message.body, message.subject, headers=message.headers)
    assert behaviour.calls == ["i-mem"]
    async with runtime.db.transaction() as session:
        assert await count_effects(session, "i-mem") == 1
    await runtime.db.dispose()
