"""The reliability suite's fast subset, run by the normal `pytest -q`: 60 ideas through the
whole slice while review and notification are SIGKILLed (the runner restarts them, F1/F14) and
the nats-server is killed and restarted (F6); then nothing may be lost or doubled anywhere."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest
from harness import FaultStack, Payroll, Workload, kill_and_recover, run_with_faults, verify

pytestmark = [
    pytest.mark.reliability,
    pytest.mark.reliability_fast,
    pytest.mark.timeout(420),
]


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[FaultStack]:
    stack = FaultStack(state_dir=tmp_path / "state")
    stack.start()
    yield stack
    if stack.process is not None:
        stack.down()


def test_kills_under_load_lose_and_double_nothing(stack: FaultStack, tmp_path: Path) -> None:
    payroll = Payroll(stack, tmp_path)
    payroll.start()
    try:
        workload = Workload(stack, ideas=60, concurrency=12)
        recovery = asyncio.run(
            run_with_faults(
                workload,
                "fast",
                [
                    (0.2, lambda: kill_and_recover(stack, "review", signal.SIGKILL)),
                    (0.4, lambda: kill_and_recover(stack, "notification", signal.SIGKILL)),
                    (0.6, lambda: kill_and_recover(stack, "nats-server", signal.SIGKILL)),
                ],
            )
        )
        verify(
            stack, payroll, workload, "fast",
            scenario="F1+F6+F14 (fast)",
            fault="SIGKILL review, notification, nats-server; runner restarts each",
            recovery=recovery,
            settle_timeout=180,
        )  # fmt: skip
    finally:
        payroll.stop()
