"""Running the real `ideapaja` console script in tests: as a subprocess, or `main` in-process."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from ideapaja_runner import cli

IDEAPAJA = Path(sys.executable).parent / "ideapaja"


def last_json_line(*args: str) -> Any:
    """Run this interpreter with ``args`` in a fresh process (nothing of the test's imports in
    it) and read the JSON it printed last."""
    done = subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, check=True, timeout=300
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def cli_exit(args: list[str]) -> object:
    """Run ``ideapaja args`` in-process (its output goes to capsys); the code it exits with."""
    with pytest.raises(SystemExit) as exit_info:
        cli.main(args)
    return exit_info.value.code


class Up:
    """`ideapaja up …` with its output collected line by line."""

    def __init__(self, args: Sequence[str], env: dict[str, str] | None = None) -> None:
        self.lines: list[str] = []
        self._changed = threading.Condition()
        self.process = subprocess.Popen(
            [str(IDEAPAJA), "up", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for raw in self.process.stdout:
            with self._changed:
                self.lines.append(raw.decode("utf-8", "replace").rstrip("\n"))
                self._changed.notify_all()
        with self._changed:
            self._changed.notify_all()

    @property
    def output(self) -> str:
        with self._changed:
            return "\n".join(self.lines)

    def wait_for(self, text: str, timeout: float = 30.0) -> str:
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for line in self.lines:
                    if text in line:
                        return line
                remaining = deadline - time.monotonic()
                if remaining <= 0 or (
                    self.process.poll() is not None and not self._reader.is_alive()
                ):
                    raise AssertionError(f"{text!r} not printed; output so far:\n{self.output}")
                self._changed.wait(min(remaining, 0.2))

    def pid_of(self, name: str) -> int:
        line = self.wait_for(f"started {name} (pid ")
        match = re.search(r"\(pid (\d+)\)", line)
        assert match, line
        return int(match.group(1))

    def stop(self, sig: signal.Signals = signal.SIGINT, timeout: float = 30.0) -> int:
        self.process.send_signal(sig)
        code = self.process.wait(timeout)
        self._reader.join(5)
        return code

    def wait(self, timeout: float = 30.0) -> int:
        code = self.process.wait(timeout)
        self._reader.join(5)
        return code

    def cleanup(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()  # its children get SIGTERM (PR_SET_PDEATHSIG)
                self.process.wait(10)


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False
