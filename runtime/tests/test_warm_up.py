"""A service's warm-up (search dictionaries) runs off the event loop while the database migrates,
and is finished before the consumers start or the service says it has started."""

from __future__ import annotations

import dataclasses
import threading
import time
from typing import Any

from runtime_sample_service import Behaviour, build
from runtime_testkit import fast_settings

from ideapaja_runtime.service import Runtime


async def test_warm_up_runs_in_a_thread_and_ends_before_the_consumers_start(
    nats_url: str, sqlite_url: str
) -> None:
    seen: dict[str, Any] = {}
    loop_thread = threading.get_ident()

    def warm_up() -> None:
        time.sleep(0.3)  # a dictionary being read
        seen["thread"] = threading.get_ident()
        seen["done_at"] = time.monotonic()

    async def on_start(runtime: Runtime[Any]) -> None:
        # Called after every consumer has started.
        seen["consumers_started_at"] = time.monotonic()
        seen["consumers"] = len(runtime.consumers)

    spec = dataclasses.replace(build(Behaviour()), warm_up=warm_up, on_start=on_start)
    runtime = Runtime(spec, fast_settings(nats_url=nats_url, database_url=sqlite_url))
    await runtime.start()
    try:
        assert seen["thread"] != loop_thread, "the loop kept serving while it loaded"
        assert seen["consumers"] == 1
        assert seen["done_at"] < seen["consumers_started_at"]
        assert runtime.started
    finally:
        await runtime.stop()
