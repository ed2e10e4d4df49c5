"""Graceful shutdown: an event being handled when the service stops is finished, acked and its
follow-up event published; nothing is left half-done."""

from __future__ import annotations

import nats
from runtime_sample_service import Behaviour, build, count_effects
from runtime_testkit import fast_settings, make_idea

from ideapaja_contracts import encode
from ideapaja_runtime.db import Database
from ideapaja_runtime.service import Runtime
from ideapaja_runtime.testing import eventually


async def test_in_flight_handler_finishes_before_stop(nats_url: str, sqlite_url: str) -> None:
    behaviour = Behaviour()
    behaviour.slow_seconds = 1.0
    behaviour.withdraw_on_submit = True
    runtime = Runtime(build(behaviour), fast_settings(nats_url=nats_url, database_url=sqlite_url))
    await runtime.start()
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    message = encode(make_idea("i-slow"), source="/test")
    await js.publish(message.subject, message.body, headers=message.headers)

    async def handler_running() -> bool:
        return behaviour.calls == ["i-slow"]

    await eventually(handler_running)
    await runtime.stop()

    db = Database(sqlite_url)
    async with db.transaction() as session:
        assert await count_effects(session, "i-slow") == 1
    await db.dispose()
    info = await js.consumer_info(runtime.settings.lifecycle_stream, "sample-submissions")
    assert info.num_ack_pending == 0 and info.ack_floor.stream_seq == 1
    stream = await js.stream_info(runtime.settings.lifecycle_stream)
    assert stream.state.messages == 2, "the follow-up event committed in flight was published"
    await nc.close()
