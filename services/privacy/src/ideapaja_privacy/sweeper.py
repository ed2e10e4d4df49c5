"""The retention sweep: request the erasures that are due, then delete HR records and dead
letters still left.

Every replica runs it; both halves are safe to run concurrently (see ``erasures.request_due`` and
``erasures.delete_hr_records``). Time comes from the service's clock, so tests drive it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ideapaja_privacy.settings import PrivacySettings
from ideapaja_privacy.usecases import erasures
from ideapaja_runtime.logging import get_logger
from ideapaja_runtime.periodic import start_periodic, stop_periodic
from ideapaja_runtime.service import Runtime

log = get_logger(__name__)

SWEEPER = "privacy_sweeper"


@dataclass(frozen=True)
class SweepResult:
    requested: list[str]
    hr_records_deleted: list[str]
    dead_letters_deleted: list[str]


async def run_sweep(runtime: Runtime[PrivacySettings]) -> SweepResult:
    settings = runtime.settings

    def clock() -> datetime:
        return runtime.clock()

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


async def start_sweeper(runtime: Runtime[PrivacySettings]) -> None:
    """The sweep at start and then every ``SWEEP_SECONDS`` (0: never)."""
    settings = runtime.settings

    async def run_once() -> SweepResult:
        return await run_sweep(runtime)

    start_periodic(runtime, SWEEPER, run_once, settings.sweep_seconds)


async def stop_sweeper(runtime: Runtime[PrivacySettings]) -> None:
    await stop_periodic(runtime, SWEEPER)
