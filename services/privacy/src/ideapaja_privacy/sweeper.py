"""The retention sweep: request the erasures that are due, then delete HR records and dead
letters still left.

Every replica runs it; both halves are safe to run concurrently (see ``erasures.request_due`` and
``erasures.delete_hr_records``). Time comes from the service's clock, so tests drive it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from ideapaja_privacy import erasures
from ideapaja_privacy.clock import clock_of
from ideapaja_privacy.settings import PrivacySettings
from ideapaja_runtime.logging import get_logger
from ideapaja_runtime.service import Runtime

log = get_logger(__name__)

SWEEPER = "privacy_sweeper"


@dataclass(frozen=True)
class SweepResult:
    requested: list[str]
    hr_records_deleted: list[str]
    dead_letters_deleted: list[str]


async def run_sweep(runtime: Runtime) -> SweepResult:
    settings = runtime.settings
    assert isinstance(settings, PrivacySettings)
    clock = clock_of(runtime)
    now = clock()
    requested = await erasures.request_due(
        runtime.db,
        runtime.outbox,
        today=now.date(),
        now=now,
        retention_days=settings.retention_days,
        batch_size=settings.sweep_batch_size,
    )
    deleted = await erasures.delete_hr_records(
        runtime.db, runtime.js, settings.hr_stream, clock, batch_size=settings.sweep_batch_size
    )
    letters = await erasures.delete_dead_letters(
        runtime.db,
        runtime.js,
        settings.dead_letter_stream,
        clock,
        batch_size=settings.sweep_batch_size,
    )
    if requested or deleted or letters:
        log.info(
            "retention_sweep",
            requested=len(requested),
            hr_records_deleted=len(deleted),
            dead_letter_passes=len(letters),
        )
    return SweepResult(requested, deleted, letters)


class Sweeper:
    """Runs ``run_once`` at start and then every ``interval`` seconds, until stopped."""

    def __init__(self, run_once: Callable[[], Awaitable[object]], interval: float) -> None:
        self.run_once = run_once
        self.interval = interval
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="privacy-sweeper")

    async def _loop(self) -> None:
        while not self._stopping.is_set():
            try:
                await self.run_once()
            except Exception as exc:  # the database or NATS is away: try again next time
                log.warning("retention_sweep_failed", error=repr(exc))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self.interval)

    async def stop(self) -> None:
        self._stopping.set()
        if self._task is not None:
            await self._task
            self._task = None


async def start_sweeper(runtime: Runtime) -> None:
    settings = runtime.settings
    assert isinstance(settings, PrivacySettings)
    if settings.sweep_seconds <= 0:
        return

    async def run_once() -> SweepResult:
        return await run_sweep(runtime)

    sweeper = Sweeper(run_once, settings.sweep_seconds)
    sweeper.start()
    runtime.extras[SWEEPER] = sweeper


async def stop_sweeper(runtime: Runtime) -> None:
    sweeper = runtime.extras.pop(SWEEPER, None)
    if sweeper is not None:
        await sweeper.stop()
