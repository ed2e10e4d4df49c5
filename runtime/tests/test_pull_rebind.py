"""A pull consumer whose fetches keep failing binds to its durable again (a cluster moved the
consumer's leader, a server lost its state); if that bind fails too, it keeps trying instead of
fetching for ever on the subscription it dropped (found by the reliability suite's F7: after
the stream leader's node was SIGKILLed, consumers whose leader moved sat with messages pending
and no pull request waiting)."""

from __future__ import annotations

from typing import Any

import nats
from runtime_sample_service import Behaviour, build
from runtime_testkit import fast_settings, make_idea

from ideapaja_contracts import encode
from ideapaja_runtime.service import Runtime
from ideapaja_runtime.testing import eventually


async def test_a_failed_rebind_is_tried_again_and_consuming_resumes(
    nats_url: str, sqlite_url: str
) -> None:
    behaviour = Behaviour()
    runtime = Runtime(build(behaviour), fast_settings(nats_url=nats_url, database_url=sqlite_url))
    await runtime.start()
    nc = await nats.connect(nats_url)
    try:
        [consumer] = runtime.consumers
        fetch_failures, bind_failures = 3, 1
        subscription = consumer._subscription
        real_fetch, real_bind = subscription.fetch, consumer.js.pull_subscribe_bind

        async def failing_fetch(*args: Any, **kwargs: Any) -> Any:
            nonlocal fetch_failures
            if fetch_failures:
                fetch_failures -= 1
                raise nats.errors.NoRespondersError
            return await real_fetch(*args, **kwargs)

        async def failing_bind(*args: Any, **kwargs: Any) -> Any:
            nonlocal bind_failures
            if bind_failures:
                bind_failures -= 1
                raise TimeoutError
            return await real_bind(*args, **kwargs)

        subscription.fetch = failing_fetch
        consumer.js.pull_subscribe_bind = failing_bind  # type: ignore[method-assign]

        async def rebind_failed_once() -> bool:
            return fetch_failures == 0 and bind_failures == 0

        await eventually(rebind_failed_once, timeout=20)
        message = encode(make_idea("i-after-rebind"), source="/test")
        await nc.jetstream().publish(message.subject, message.body, headers=message.headers)

        async def handled() -> bool:
            return "i-after-rebind" in behaviour.calls

        await eventually(handled, timeout=20)
    finally:
        await nc.close()
        await runtime.stop()
