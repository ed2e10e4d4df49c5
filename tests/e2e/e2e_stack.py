"""Drive the embedded stack exactly as `ideapaja up` runs it: separate processes, real ports."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from ideapaja_runtime.service import discover_services
from ideapaja_runtime.testing import free_port

BIN = Path(sys.executable).parent


@dataclass
class Stack:
    state_dir: Path
    nats_port: int = field(default_factory=free_port)
    smtp_port: int = field(default_factory=free_port)
    mail_port: int = field(default_factory=free_port)
    issuer_port: int = field(default_factory=free_port)
    service_ports: dict[str, int] = field(
        default_factory=lambda: {name: free_port() for name in discover_services()}
    )
    process: subprocess.Popen[bytes] | None = None
    # How long `ideapaja up` waits for every service (a busy machine needs longer).
    ready_timeout: float = 90.0

    @property
    def nats_url(self) -> str:
        return f"nats://127.0.0.1:{self.nats_port}"

    @property
    def mail_url(self) -> str:
        return f"http://127.0.0.1:{self.mail_port}"

    def nats_credentials(self, user: str) -> dict[str, str]:
        """Keyword arguments for ``nats.connect`` as ``user`` of the runner's NATS (its
        passwords in the state directory; the operator users have their own inbox prefix)."""
        passwords = json.loads((self.state_dir / "nats-users.json").read_text())
        credentials = {"user": user, "password": passwords[user]}
        if user in ("admin", "hr-adapter", "payroll"):
            credentials["inbox_prefix"] = f"_INBOX_{user}"
        return credentials

    def nats_violations(self) -> list[str]:
        """Every permissions violation the NATS server logged (a user trying what it may not)."""
        log = self.state_dir / "logs" / "nats-server.log"
        text = log.read_text(errors="replace") if log.exists() else ""
        return re.findall(r".*Violation.*", text)

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.service_ports[service]}"

    def up(
        self,
        *,
        demo: bool = True,
        timeout: float = 120.0,
        env: dict[str, str] | None = None,
        args: tuple[str, ...] | list[str] = (),
    ) -> None:
        """Start ``ideapaja up``; ``env`` adds to its environment (services read their own
        settings from it, e.g. ``IDEAPAJA_INTAKE_FORM_ALLOWED_ORIGINS``), ``args`` to its
        options (e.g. ``--nats-url`` of a cluster)."""
        command = [
            str(BIN / "ideapaja"),
            "up",
            "--state-dir",
            str(self.state_dir),
            "--nats-port",
            str(self.nats_port),
            "--smtp-port",
            str(self.smtp_port),
            "--mail-port",
            str(self.mail_port),
            "--issuer-port",
            str(self.issuer_port),
            "--ready-timeout",
            str(int(max(self.ready_timeout, timeout - 30))),
        ]
        for name, port in self.service_ports.items():
            command += ["--port", f"{name}={port}"]
        if demo:
            command.append("--demo")
        command += list(args)
        log = (self.state_dir.parent / "runner.log").open("ab")
        self.process = subprocess.Popen(
            command,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env={**os.environ, **(env or {})},
        )
        deadline = time.monotonic() + max(timeout, self.ready_timeout + 30)
        pending = set(self.service_ports)
        while pending and time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"ideapaja up exited with {self.process.returncode}:\n" + self.runner_log()
                )
            for name in list(pending):
                try:
                    if httpx.get(f"{self.url(name)}/readyz", timeout=1).status_code == 200:
                        pending.discard(name)
                except httpx.HTTPError:
                    pass
            time.sleep(0.2)
        if pending:
            raise RuntimeError(f"not ready: {pending}\n{self.runner_log()}")

    def down(self) -> int:
        assert self.process is not None
        self.process.send_signal(signal.SIGINT)
        try:
            code = self.process.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            code = self.process.wait(10)
        self.process = None
        return code

    def runner_log(self) -> str:
        path = self.state_dir.parent / "runner.log"
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""

    def token(self, person: str, *roles: str, units: tuple[str, ...] = ()) -> dict[str, str]:
        command = [
            str(BIN / "ideapaja"),
            "token",
            "--state-dir",
            str(self.state_dir),
            "--person",
            person,
        ]
        for role in roles:
            command += ["--role", role]
        for unit in units:
            command += ["--unit", unit]
        token = subprocess.run(command, capture_output=True, text=True, check=True).stdout.strip()
        return {"Authorization": f"Bearer {token}"}


def wait_for(check, timeout: float = 60.0, interval: float = 0.25):  # type: ignore[no-untyped-def]
    """Poll ``check`` (sync) until it returns something truthy."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s (last: {last!r})")
