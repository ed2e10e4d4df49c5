"""Waiting for the services: a slow start says what it is waiting for, and a wait that runs out
names each service that is not ready with its last answer and log."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

from ideapaja_reward.app import service as some_service
from ideapaja_runner import readiness
from ideapaja_runner.process import ManagedProcess, stop_all
from ideapaja_runner.readiness import StartError, wait_services_ready
from ideapaja_runner.services import ServiceInfo, ServiceRun
from ideapaja_runtime.testing import free_port


def test_a_slow_start_reports_what_it_waits_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(readiness, "REPORT_EVERY", 0.3)
    # A process that is alive, logs what it does, and never answers on its port.
    process = ManagedProcess(
        "reward",
        [sys.executable, "-c", "import time; print('migrating the database', flush=True); "
         "time.sleep(30)"],
        tmp_path / "reward.log",
    )  # fmt: skip
    process.start()
    run = ServiceRun(
        service=ServiceInfo.of(some_service), host="127.0.0.1", port=free_port(), settings={}
    )
    said: list[str] = []
    try:
        with pytest.raises(StartError) as failed:
            wait_services_ready(
                [(run, process)],
                1.2,
                say=said.append,
                check_stop=lambda: None,
                sleep=time.sleep,
            )
    finally:
        stop_all([process], 2)
    reports = [line for line in said if line.startswith("still waiting after")]
    assert reports, said
    assert "reward (ConnectError; its log: migrating the database)" in reports[-1]
    assert "not ready within 1 s" in str(failed.value)
