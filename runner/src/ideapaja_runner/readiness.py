"""Waiting for what ``ideapaja up`` started: a port that accepts connections, a service whose
``/readyz`` answers 200. A process that exits meanwhile, or a wait that runs out, is a
``StartError`` carrying the last lines of that process's log."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Sequence

import httpx

from ideapaja_runner.ports import connect_host
from ideapaja_runner.process import ManagedProcess
from ideapaja_runner.services import ServiceRun


class StartError(RuntimeError):
    pass


# How often a slow start says what it is still waiting for.
REPORT_EVERY = 10.0
# How often each service not yet ready is asked (a refused connection costs microseconds).
POLL_EVERY = 0.05


def _last_line(process: ManagedProcess) -> str:
    lines = process.tail(1).strip()
    return lines[-300:] if lines else "empty so far"


def service_url(run: ServiceRun, path: str = "") -> str:
    return f"http://{connect_host(run.host)}:{run.port}{path}"


def wait_port(
    process: ManagedProcess,
    host: str,
    port: int,
    timeout: float,
    what: str,
    *,
    check_stop: Callable[[], None],
) -> None:
    """Until ``host:port`` accepts a connection; ``check_stop`` may raise to give up early."""
    deadline = time.monotonic() + timeout
    while True:
        check_stop()
        if not process.alive():
            raise StartError(
                f"{what} {process.describe_exit()} while starting; "
                f"last lines of {process.log_path}:\n{process.tail()}"
            )
        with socket.socket() as sock:
            sock.settimeout(0.5)
            if sock.connect_ex((host, port)) == 0:
                return
        if time.monotonic() > deadline:
            raise StartError(
                f"{what} did not accept connections on {host}:{port} within {timeout:.0f} s; "
                f"last lines of {process.log_path}:\n{process.tail()}"
            )
        time.sleep(0.05)


def wait_services_ready(
    services: Sequence[tuple[ServiceRun, ManagedProcess]],
    timeout: float,
    *,
    say: Callable[[str], None],
    check_stop: Callable[[], None],
    sleep: Callable[[float], None],
) -> None:
    """Until every service's ``/readyz`` answers 200 (each said as it gets there)."""
    pending = {run.name: (run, process) for run, process in services}
    last_answer: dict[str, str] = {}
    started = time.monotonic()
    deadline = started + timeout
    next_report = started + REPORT_EVERY
    with httpx.Client(timeout=2.0) as client:
        while pending:
            for run, process in list(pending.values()):
                check_stop()
                if not process.alive():
                    raise StartError(
                        f"service {run.name} {process.describe_exit()} while starting; "
                        f"last lines of {process.log_path}:\n{process.tail()}"
                    )
                try:
                    response = client.get(service_url(run, "/readyz"))
                except httpx.HTTPError as exc:
                    last_answer[run.name] = f"{type(exc).__name__}"
                    continue
                if response.status_code == 200:
                    del pending[run.name]
                    say(f"{run.name} is ready on {service_url(run)}")
                else:
                    last_answer[run.name] = f"HTTP {response.status_code}: {response.text[:300]}"
            if not pending:
                break
            if time.monotonic() >= next_report:
                # A slow start (a busy machine, a first migration) says what it is waiting for.
                next_report += REPORT_EVERY
                say(
                    f"still waiting after {time.monotonic() - started:.0f} s for: "
                    + "; ".join(
                        f"{run.name} ({last_answer.get(run.name, 'no answer yet')}; its log: "
                        f"{_last_line(process)})"
                        for run, process in pending.values()
                    )
                )
            if time.monotonic() > deadline:
                details = "\n".join(
                    f"- {run.name}: last /readyz answer: {last_answer.get(run.name, 'none')}; "
                    f"last lines of {process.log_path}:\n{process.tail(20)}"
                    for run, process in pending.values()
                )
                raise StartError(f"not ready within {timeout:.0f} s:\n{details}")
            sleep(POLL_EVERY)
