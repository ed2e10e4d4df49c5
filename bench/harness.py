"""What every row shares: processes we start (and only those), a private nats-server, /proc
readings, JetStream consumer state, percentiles and the result rows with their targets."""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Coroutine, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import nats
from nats.aio.client import Client as Nats
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError

from ideapaja_runner.natsd import render_config
from ideapaja_runtime.testing import (
    create_pg_database,
    drop_pg_database,
    free_port,
    nats_server_binary,
    postgres_available,
    wait_for_port,
)

__all__ = ["free_port", "wait_for_port"]

PYTHON = sys.executable
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")


# --- /proc ----------------------------------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    # After the command name: utime is field 14 and stime 15 (1-based, man 5 proc).
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def rss_mb(pid: int) -> float:
    """Resident set size in MB (0 once the process is gone)."""
    try:
        pages = int(Path(f"/proc/{pid}/statm").read_text().split()[1])
    except OSError:
        return 0.0
    return pages * PAGE_BYTES / 1e6


def pss_mb(pid: int) -> float:
    """Proportional set size in MB: each shared page (a library, a mapped dictionary) divided
    among the processes that map it, so a sum over processes counts it once (0 once gone)."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) * 1024 / 1e6
    except OSError:
        pass
    return 0.0


# What every service imports before any code of its own (the runtime's dependencies).
LIBRARY_FLOOR_IMPORTS = (
    "fastapi, pydantic, sqlalchemy.ext.asyncio, aiosqlite, asyncpg, nats, structlog, "
    "prometheus_client, jwt, httpx, alembic, uvicorn"
)


def library_floor_mb() -> float:
    """RSS (MB) of a bare Python process that has imported ``LIBRARY_FLOOR_IMPORTS``: what a
    service's idle RSS is measured beside."""
    code = f"import {LIBRARY_FLOOR_IMPORTS}\nprint(int(open('/proc/self/statm').read().split()[1]))"
    pages = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    ).stdout
    return int(pages) * PAGE_BYTES / 1e6


def command_line(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
    except OSError:
        return []


def descendants(root: int) -> list[int]:
    """``root`` and every process below it (from /proc's parent ids)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(parent, []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def comm(pid: int) -> str:
    """The name a process gave itself (``/proc/<pid>/comm``; "" once it is gone). Not its command
    line, which a process may rewrite: a PostgreSQL backend's reads ``postgres: 15/main: user db
    127.0.0.1(…) idle``."""
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


def process_name(pid: int) -> str:
    """``nats-server``, a service's name (``… ideapaja_runtime.serve review``), the mail catcher
    or the runner, from the command line."""
    args = command_line(pid)
    if "ideapaja_runtime.serve" in args:
        return args[args.index("ideapaja_runtime.serve") + 1]
    if "ideapaja_runner.forkserver" in args:  # a service forked from it names itself (comm)
        name = comm(pid)
        return name if name and not name.startswith("python") else "forkserver"
    for arg in args:
        if arg.endswith("nats-server"):
            return "nats-server"
        if arg.startswith("ideapaja_runner."):
            return arg.removeprefix("ideapaja_runner.")
    return Path(args[0]).name if args and args[0] else str(pid)


# --- processes ------------------------------------------------------------------------------------


class Processes:
    """The processes a run starts, each logging into ``log_dir``; stopped by their own id."""

    def __init__(self, log_dir: Path) -> None:
        self.started: list[subprocess.Popen[bytes]] = []
        self.log_dir = log_dir

    def start(
        self, args: list[str], env: Mapping[str, str] | None = None, name: str = "process"
    ) -> subprocess.Popen[bytes]:
        log = (self.log_dir / f"{name}-{len(self.started)}.log").open("wb")
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and binaries
            args, env={**os.environ, **(env or {})}, stdout=log, stderr=subprocess.STDOUT
        )
        self.started.append(process)
        return process

    def stop(self, process: subprocess.Popen[bytes], timeout: float = 30) -> None:
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
        if process in self.started:
            self.started.remove(process)

    def stop_all(self) -> None:
        for process in reversed(list(self.started)):
            self.stop(process)


def start_nats(processes: Processes, store: Path) -> str:
    """A private nats-server configured as ``ideapaja up`` runs it (JetStream, every write
    synced), open to anyone on 127.0.0.1; returns its URL."""
    port = free_port()
    store.mkdir(parents=True, exist_ok=True)
    config = store / "nats.conf"
    config.write_text(render_config(store / "jetstream", port))
    processes.start([nats_server_binary(), "-c", str(config)], name="nats-server")
    wait_for_port(port, timeout=30.0)
    return f"nats://127.0.0.1:{port}"


def wait_ready(port: int, timeout: float = 60.0, process: Any = None) -> float:
    """Poll ``/readyz`` until it answers 200; return the seconds it took."""
    started = time.perf_counter()
    deadline = started + timeout
    while time.perf_counter() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"process exited with {process.returncode} before it was ready")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                return time.perf_counter() - started
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    raise TimeoutError(f"port {port} not ready within {timeout} s")


# --- JetStream ------------------------------------------------------------------------------------


def each_database(
    sqlite_file: Path, pg_name: str, *, postgres: bool = True
) -> Iterator[tuple[str, str]]:
    """The databases a measurement runs on, as (label, URL): SQLite in ``sqlite_file``, then,
    where PostgreSQL answers (and ``postgres``), a database made for the run and dropped once the
    caller is done with it."""
    yield "sqlite", f"sqlite+aiosqlite:///{sqlite_file}"
    if postgres and postgres_available():
        name, url = create_pg_database(pg_name)
        try:
            yield "postgresql", url
        finally:
            drop_pg_database(name)


def run_alone(
    doc: str | None,
    measure: Callable[..., Coroutine[Any, Any, object]],
    *,
    sqlite_file: str,
    pg_name: str,
    **sizes: int,
) -> None:
    """``python -m bench.<module>`` for a module outside the table: an option ``--<size> N`` for
    each of ``sizes`` (their defaults) and ``--no-postgres``; prints ``measure(url, *sizes)`` on
    each database."""
    parser = argparse.ArgumentParser(description=(doc or "").splitlines()[0])
    for name, default in sizes.items():
        parser.add_argument(f"--{name}", type=int, default=default)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    values = [getattr(args, name) for name in sizes]
    with tempfile.TemporaryDirectory() as work:
        databases = each_database(Path(work) / sqlite_file, pg_name, postgres=not args.no_postgres)
        for label, url in databases:
            print(label, asyncio.run(measure(url, *values)), flush=True)


@contextmanager
def timer() -> Iterator[Callable[[], float]]:
    started = time.perf_counter()
    yield lambda: time.perf_counter() - started


async def connect(url: str, **credentials: Any) -> tuple[Nats, JetStreamContext]:
    nc = await nats.connect(url, **credentials)
    return nc, nc.jetstream()


async def backlog(js: JetStreamContext, stream: str, durable: str) -> int | None:
    """Messages the consumer has not acknowledged yet (pending + in flight); None while it does
    not exist."""
    try:
        info = await js.consumer_info(stream, durable)
    except NotFoundError:
        return None
    return int(info.num_pending or 0) + int(info.num_ack_pending or 0)


async def total_backlog(js: JetStreamContext, streams: list[str]) -> dict[str, int]:
    """Unacknowledged messages of every durable consumer of ``streams``, by name."""
    found: dict[str, int] = {}
    for stream in streams:
        for info in await js.consumers_info(stream):
            durable = info.config.durable_name or info.name
            found[durable] = int(info.num_pending or 0) + int(info.num_ack_pending or 0)
    return found


# --- figures --------------------------------------------------------------------------------------


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


@dataclass(frozen=True)
class Target:
    """``value <op> limit``: what the issue asks of a figure, and how to say the margin."""

    op: str  # ">=" or "<"
    limit: float
    text: str

    def verdict(self, value: float | None) -> str:
        if value is None or value != value:  # None or NaN
            return "not measured"
        if self.op == ">=":
            if value >= self.limit:
                return "met"
            return f"missed: {value / self.limit:.3g} of target" if value > 0 else "missed"
        if value < self.limit:
            return "met"
        return f"missed by ×{times(value / self.limit)}" if self.limit > 0 else "missed"


@dataclass
class Row:
    """One printed line: the figure, its baseline from the same run, the target and verdict."""

    group: str
    name: str
    figure: str
    baseline: str = "—"
    target: Target | None = None
    value: float | None = None
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def verdict(self) -> str:
        if self.target is None:
            return "(reported)"
        return f"target {self.target.text} → {self.target.verdict(self.value)}"

    def as_json(self) -> dict[str, Any]:
        return {
            "group": self.group,
            "name": self.name,
            "figure": self.figure,
            "baseline": self.baseline,
            "target": self.target.text if self.target else None,
            "verdict": self.verdict,
            "value": self.value,
            **self.data,
        }


def times(ratio: float) -> str:
    return f"{ratio:.0f}" if ratio >= 10 else f"{ratio:.2g}"


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 10 else f"{seconds:.1f} s"
