"""Background work a service repeats on a clock: review's deadline sweep, intake's retention
sweep, privacy's erasure sweep. Each replica runs its own; the work itself must be safe to run
on several replicas at once (leases, SKIP LOCKED, unique keys), so none of them is special."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

from ideapaja_runtime.logging import get_logger
from ideapaja_runtime.service import Runtime

log = get_logger(__name__)


class Periodic:
    """Runs ``run_once`` every ``interval`` seconds until stopped (first at start, or after one
    interval); a run that fails is logged and tried again at the next tick, never fatal."""

    def __init__(
        self,
        name: str,
        run_once: Callable[[], Awaitable[object]],
        interval: float,
        *,
        run_at_start: bool = True,
    ) -> None:
        self.name = name
        self.run_once = run_once
        self.interval = interval
        self.run_at_start = run_at_start
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name=self.name)

    async def _loop(self) -> None:
        if not self.run_at_start:
            await self._pause()
        while not self._stopping.is_set():
            try:
                await self.run_once()
            except Exception as exc:  # the database or NATS is away: try again next time
                log.warning("periodic_task_failed", task=self.name, error=repr(exc))
            await self._pause()

    async def _pause(self) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), self.interval)

    async def stop(self) -> None:
        """Stop; a run in progress finishes first (shutdown never cuts a sweep in half)."""
        self._stopping.set()
        if self._task is not None:
            await self._task
            self._task = None


def _key(name: str) -> str:
    return f"periodic:{name}"


def start_periodic(
    runtime: Runtime[Any],
    name: str,
    run_once: Callable[[], Awaitable[object]],
    interval: float,
    *,
    run_at_start: bool = True,
) -> None:
    """Start ``name`` for this runtime (an interval of 0 or less: not at all)."""
    if interval <= 0:
        return
    task = Periodic(name, run_once, interval, run_at_start=run_at_start)
    task.start()
    runtime.extras[_key(name)] = task


async def stop_periodic(runtime: Runtime[Any], name: str) -> None:
    task = runtime.extras.pop(_key(name), None)
    if isinstance(task, Periodic):
        await task.stop()
