"""A child process of the runner: output to a log file, graceful stop, log tail on failure.

Children run in their own process group, so a Ctrl-C in the terminal reaches only the runner,
which then stops them in order (services before the SMTP catcher before NATS). On Linux a child
also gets SIGTERM if the runner itself dies without cleaning up (``PR_SET_PDEATHSIG``).
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Protocol, TextIO

_PR_SET_PDEATHSIG = 1


def child_setup() -> None:  # pragma: no cover - runs in the forked child
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
        except OSError:
            pass


class Child(Protocol):
    """What the runner uses of a child: ``subprocess.Popen``, or one forked for it and adopted
    (``forkserver.AdoptedChild``)."""

    @property
    def pid(self) -> int: ...

    def poll(self) -> int | None: ...

    def wait(self, timeout: float | None = None) -> int: ...

    def send_signal(self, sig: int) -> None: ...

    def kill(self) -> None: ...


# Starts the process another way than a fresh interpreter (a fork server), or None: as always.
Spawner = Callable[["ManagedProcess"], Child | None]


class ManagedProcess:
    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        log_path: Path,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
        spawner: Spawner | None = None,
    ) -> None:
        self.name = name
        self.argv = list(argv)
        self.log_path = log_path
        self.env = dict(env) if env is not None else None
        self.cwd = cwd
        self.spawner = spawner
        self.popen: Child | None = None
        self.log_offset = 0

    def start(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            stamp = datetime.now().astimezone().isoformat(timespec="seconds")
            log.write(f"===== ideapaja up: {self.name} starting at {stamp} =====\n".encode())
            log.flush()
            self.log_offset = log.tell()
            self.popen = self.spawner(self) if self.spawner is not None else None
            if self.popen is not None:
                return
            self.popen = subprocess.Popen(  # noqa: S603 - argv built by the runner, no shell
                self.argv,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=self.env,
                cwd=self.cwd,
                process_group=0,
                preexec_fn=child_setup,
            )

    @property
    def pid(self) -> int | None:
        return self.popen.pid if self.popen is not None else None

    @property
    def returncode(self) -> int | None:
        return self.popen.poll() if self.popen is not None else None

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def terminate(self) -> None:
        if self.alive():
            assert self.popen is not None
            self.popen.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        if self.alive():
            assert self.popen is not None
            self.popen.kill()

    def tail(self, lines: int = 40) -> str:
        """The last ``lines`` lines this run wrote to the log."""
        try:
            with self.log_path.open("rb") as log:
                log.seek(0, os.SEEK_END)
                size = log.tell()
                start = max(self.log_offset, size - 64 * 1024)
                log.seek(start)
                data = log.read()
        except OSError:
            return ""
        text = data.decode("utf-8", errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    def describe_exit(self) -> str:
        code = self.returncode
        if code is None:
            return "running"
        if code < 0:
            try:
                name = signal.Signals(-code).name
            except ValueError:
                return f"killed by signal {-code}"
            if -code == signal.SIGKILL:
                # SIGKILL leaves no last words in the log: say who usually sends it.
                return (
                    f"killed by {name} (it cannot log why: an operator's `kill -9`, or the "
                    "kernel's out-of-memory killer — see `dmesg`)"
                )
            return f"killed by {name}"
        return f"exited with code {code}"


def stop_all(
    processes: Sequence[ManagedProcess],
    timeout: float,
    *,
    force: Callable[[], bool] = lambda: False,
) -> list[ManagedProcess]:
    """SIGTERM every live process, wait up to ``timeout`` (or until ``force()``), then SIGKILL.

    Returns the processes that had to be killed.
    """
    for process in processes:
        process.terminate()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not force():
        if not any(p.alive() for p in processes):
            break
        time.sleep(0.05)
    killed = [p for p in processes if p.alive()]
    for process in killed:
        process.kill()
    for process in processes:
        if process.popen is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.popen.wait(5)
    return killed


class LogFollower:
    """Echo what the processes write to their logs, prefixed by name (``ideapaja up --follow``)."""

    def __init__(self, out: TextIO, interval: float = 0.2) -> None:
        self.out = out
        self.interval = interval
        self._files: list[tuple[str, Path, int]] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="log-follower", daemon=True)

    def add(self, process: ManagedProcess) -> None:
        with self._lock:
            self._files.append((process.name, process.log_path, process.log_offset))

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(2)
        self._poll()  # the last words of stopping processes

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self._poll()

    def _poll(self) -> None:
        with self._lock:
            for index, (name, path, offset) in enumerate(self._files):
                try:
                    with path.open("rb") as log:
                        log.seek(offset)
                        data = log.read()
                except OSError:
                    continue
                end = data.rfind(b"\n") + 1  # whole lines only
                if not end:
                    continue
                for line in data[:end].decode("utf-8", "replace").splitlines():
                    print(f"[{name}] {line}", file=self.out, flush=True)
                self._files[index] = (name, path, offset + end)
