"""The embedded stack as ``ideapaja up --demo`` runs it (runner, nats-server, every service on
SQLite, mail catcher, dev issuer), on free ports and a fresh state directory, with settings
added to its environment; and readings of its processes from /proc."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.harness import (
    PYTHON,
    cpu_seconds,
    descendants,
    free_port,
    process_name,
    pss_mb,
    rss_mb,
    wait_ready,
)
from bench.services import NO_LIMITS
from ideapaja_runner import devissuer
from ideapaja_runner.state import StateDir
from ideapaja_runner.supervisor import EXIT_USAGE
from ideapaja_runtime.service import discover_services


@dataclass
class Stack:
    state_dir: Path
    env: dict[str, str] = field(default_factory=dict)
    ports: dict[str, int] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None
    ready_seconds: float = float("nan")

    def __post_init__(self) -> None:
        names = ["nats", "smtp", "mail", "issuer", *discover_services()]
        self.ports = {name: free_port() for name in names}

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.ports[name]}"

    @property
    def nats_url(self) -> str:
        return f"nats://127.0.0.1:{self.ports['nats']}"

    @property
    def services(self) -> list[str]:
        return [name for name in self.ports if name not in ("nats", "smtp", "mail", "issuer")]

    def up(self, timeout: float = 180.0, tries: int = 3) -> float:
        """Start ``ideapaja up --demo``; the seconds until every service's /readyz is 200. The
        ports were free when chosen; one taken since (another row's process still closing)
        makes the runner start nothing and exit 2: started again on fresh ports."""
        for attempt in range(1, tries + 1):
            try:
                return self._up(timeout)
            except RuntimeError:
                assert self.process is not None
                if self.process.returncode != EXIT_USAGE or attempt == tries:
                    raise
                self.process = None
                self.__post_init__()  # fresh ports
        raise AssertionError("unreachable")

    def _up(self, timeout: float) -> float:
        command = [str(Path(PYTHON).parent / "ideapaja"), "up", "--demo"]
        command += ["--state-dir", str(self.state_dir), "--ready-timeout", str(int(timeout))]
        for option in ("nats", "smtp", "mail", "issuer"):
            command += [f"--{option}-port", str(self.ports[option])]
        for name in self.services:
            command += ["--port", f"{name}={self.ports[name]}"]
        env = {f"IDEAPAJA_{key}": value for key, value in NO_LIMITS.items()}
        log = (self.state_dir.parent / "runner.log").open("ab")
        started = time.perf_counter()
        self.process = subprocess.Popen(  # noqa: S603 - our own runner
            command, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, **env, **self.env}
        )
        for name in self.services:  # every one ready: the slowest decides
            remaining = max(1.0, timeout - (time.perf_counter() - started))
            wait_ready(self.ports[name], remaining, process=self.process)
        self.ready_seconds = time.perf_counter() - started
        return self.ready_seconds

    def down(self) -> None:
        if self.process is None:
            return
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)
        self.process = None

    def token(self, person_id: str, roles: tuple[str, ...], unit_id: str) -> str:
        return devissuer.issue_token(
            StateDir.at(self.state_dir), person_id=person_id, roles=roles, units=[unit_id]
        )

    def nats_credentials(self, user: str = "admin") -> dict[str, Any]:
        passwords = json.loads((self.state_dir / "nats-users.json").read_text())
        return {"user": user, "password": passwords[user], "inbox_prefix": f"_INBOX_{user}"}

    def pids(self) -> dict[int, str]:
        """Every process of the stack (the runner and its children) by pid, with its name."""
        assert self.process is not None
        return {pid: process_name(pid) for pid in descendants(self.process.pid)}

    def cpu(self) -> dict[str, float]:
        """CPU seconds so far of each process of the stack, by name."""
        totals: dict[str, float] = {}
        for pid, name in self.pids().items():
            totals[name] = totals.get(name, 0.0) + cpu_seconds(pid)
        return totals

    def rss(self) -> dict[str, float]:
        """RSS (MB) of each process of the stack, by name."""
        return self._memory(rss_mb)

    async def settled(
        self, cap: float, *, window: float, share: float
    ) -> tuple[float | None, float]:
        """Seconds until the stack is idle — its processes together under ``share`` of one core
        over ``window`` seconds (its e-mails sent, the relays and consumers quiet) — or None past
        ``cap``; and the last window's CPU share."""
        started = time.perf_counter()
        last = 1.0
        while time.perf_counter() - started < cap:
            before, at = sum(self.cpu().values()), time.perf_counter()
            await asyncio.sleep(window)
            last = (sum(self.cpu().values()) - before) / (time.perf_counter() - at)
            if last < share:
                return time.perf_counter() - started, last
        return None, last

    def pss(self) -> dict[str, float]:
        """PSS (MB) of each process of the stack, by name (shared pages divided among them)."""
        return self._memory(pss_mb)

    def _memory(self, read: Callable[[int], float]) -> dict[str, float]:
        totals: dict[str, float] = {}
        for pid, name in self.pids().items():
            totals[name] = totals.get(name, 0.0) + read(pid)
        return totals
