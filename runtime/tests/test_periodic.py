"""Periodic background work: runs on its clock, survives a failing run, stops cleanly."""

from __future__ import annotations

import asyncio

from ideapaja_runtime.periodic import Periodic


async def test_runs_at_start_then_on_every_tick_and_survives_failures() -> None:
    runs: list[int] = []

    async def run_once() -> None:
        runs.append(len(runs))
        if len(runs) == 2:
            raise RuntimeError("the database is away")

    task = Periodic("test-sweep", run_once, 0.05)
    task.start()
    await asyncio.sleep(0.01)
    assert runs == [0]  # at start, before the first interval
    await asyncio.sleep(0.2)
    await task.stop()
    # The failing second run did not end the loop.
    assert len(runs) >= 3
    count = len(runs)
    await asyncio.sleep(0.1)
    assert len(runs) == count, "it ran after stop()"


async def test_can_wait_one_interval_before_the_first_run() -> None:
    runs: list[float] = []

    async def run_once() -> None:
        runs.append(asyncio.get_running_loop().time())

    task = Periodic("test-deadlines", run_once, 0.1, run_at_start=False)
    started = asyncio.get_running_loop().time()
    task.start()
    await asyncio.sleep(0.05)
    assert runs == []
    await asyncio.sleep(0.1)
    await task.stop()
    assert runs and runs[0] - started >= 0.09


async def test_stop_lets_a_run_in_progress_finish() -> None:
    finished: list[bool] = []
    running = asyncio.Event()

    async def run_once() -> None:
        running.set()
        await asyncio.sleep(0.1)
        finished.append(True)

    task = Periodic("test-slow", run_once, 10)
    task.start()
    await running.wait()
    await task.stop()
    assert finished == [True]
