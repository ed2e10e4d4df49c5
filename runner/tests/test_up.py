"""`ideapaja up` as operators run it: real processes, Ctrl-C, resume with the data kept."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import smtplib
import socket
import time
from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path

import httpx
import nats
import pytest
from runner_testkit import Up, gone

from ideapaja_runtime.testing import NatsServer, free_port

pytestmark = pytest.mark.e2e


def _hr_stream(nats_url: str, state: Path) -> tuple[int, int]:
    """As the operator: the admin user of the state directory."""
    password = json.loads((state / "nats-users.json").read_text())["admin"]

    async def read() -> tuple[int, int]:
        nc = await nats.connect(nats_url, user="admin", password=password)
        try:
            info = await nc.jetstream().stream_info("IDEAPAJA_HR")
            return info.state.messages, info.state.last_seq
        finally:
            await nc.close()

    return asyncio.run(read())


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def test_up_without_services_stops_cleanly_and_resumes(tmp_path: Path, ups: list[Up]) -> None:
    state = tmp_path / "state"
    nats_port, smtp_port, mail_port = free_port(), free_port(), free_port()
    issuer_port = free_port()
    args = [
        "--state-dir", str(state), "--no-services", "--demo",
        "--nats-port", str(nats_port), "--smtp-port", str(smtp_port),
        "--mail-port", str(mail_port), "--issuer-port", str(issuer_port),
    ]  # fmt: skip
    nats_url = f"nats://127.0.0.1:{nats_port}"

    first = Up(args)
    ups.append(first)
    first.wait_for("Stop with Ctrl-C.")
    nats_pid, mail_pid = first.pid_of("nats-server"), first.pid_of("mail catcher")
    issuer_pid = first.pid_of("dev issuer token endpoint")
    assert "36 published, 0 unchanged" in first.output
    assert f"http://127.0.0.1:{mail_port}/messages" in first.output
    assert "ideapaja token --state-dir" in first.output

    config = (state / "nats-server.conf").read_text()
    assert "sync_interval: always" in config and f"port: {nats_port}" in config
    assert (state / "dev-issuer" / "private.pem").exists()
    assert _hr_stream(nats_url, state) == (36, 36)

    # NATS users: passwords kept private, no anonymous access, the banner says where they are.
    users = json.loads((state / "nats-users.json").read_text())
    assert set(users) == {"admin", "hr-adapter", "payroll"}  # --no-services: no service users
    assert all(len(password) >= 32 for password in users.values())
    for private in (state / "nats-users.json", state / "nats-server.conf"):
        assert private.stat().st_mode & 0o777 == 0o600, private
    assert f'password: "{users["hr-adapter"]}"' in config
    assert f"NATS users     {state}/nats-users.json" in first.output
    assert f"ideapaja dlq list --state-dir {state} --nats-url {nats_url}" in first.output
    with pytest.raises(Exception, match="Authorization Violation"):
        asyncio.run(nats.connect(nats_url, allow_reconnect=False, max_reconnect_attempts=1))

    msg = EmailMessage()
    msg["Subject"] = "Päivän kooste \N{EN DASH} åäö"
    msg["From"] = "noreply@kuusijarvi.example"
    msg["To"] = "aino.virtanen@kuusijarvi.example"
    msg.set_content("Hei!")
    with smtplib.SMTP("127.0.0.1", smtp_port, timeout=10) as smtp:
        smtp.send_message(msg)
    mails = httpx.get(f"http://127.0.0.1:{mail_port}/messages").json()
    assert [m["subject"] for m in mails] == ["Päivän kooste \N{EN DASH} åäö"]
    public_key = (state / "dev-issuer" / "public.pem").read_bytes()

    # The token endpoint answers (no services: no clients), in OAuth2 terms.
    token_url = f"http://127.0.0.1:{issuer_port}/oauth2/token"
    assert f"token endpoint {token_url}" in first.output
    refused = httpx.post(
        token_url, data={"grant_type": "client_credentials"}, auth=("intake", "guess")
    )
    assert refused.status_code == 401 and refused.json()["error"] == "invalid_client"
    assert (state / "dev-issuer" / "clients.json").stat().st_mode & 0o777 == 0o600
    # It is also the OIDC provider; the banner names its discovery document.
    discovery = f"http://127.0.0.1:{issuer_port}/.well-known/openid-configuration"
    assert f"OIDC           {discovery}" in first.output
    assert httpx.get(discovery).json()["authorization_endpoint"] == (
        f"http://127.0.0.1:{issuer_port}/authorize"
    )

    # Ctrl-C: everything stops, in order, exit code 0.
    assert first.stop(signal.SIGINT) == 0
    assert "stopped." in first.output
    assert gone(nats_pid) and gone(mail_pid) and gone(issuer_pid)
    assert all(_port_free(p) for p in (nats_port, smtp_port, mail_port, issuer_port))
    assert "=====" in (state / "logs" / "nats-server.log").read_text()

    # Same state directory again: data kept, the demo import is a no-op; SIGTERM also stops.
    second = Up(args)
    ups.append(second)
    second.wait_for("Stop with Ctrl-C.")
    assert "0 published, 36 unchanged" in second.output
    assert _hr_stream(nats_url, state) == (36, 36)
    assert json.loads((state / "nats-users.json").read_text()) == users, "passwords are kept"
    mails = httpx.get(f"http://127.0.0.1:{mail_port}/messages").json()
    assert [m["subject"] for m in mails] == ["Päivän kooste \N{EN DASH} åäö"]
    assert (state / "dev-issuer" / "public.pem").read_bytes() == public_key

    # A second `up` on the same state directory is refused while the first runs.
    third = Up([*args[:4], "--nats-port", str(free_port()), "--smtp-port", str(free_port()),
                "--mail-port", str(free_port()), "--issuer-port", str(free_port())])  # fmt: skip
    ups.append(third)
    assert third.wait() == 2
    assert "is in use by `ideapaja up`" in third.output

    assert second.stop(signal.SIGTERM) == 0
    assert gone(second.pid_of("nats-server")) and gone(second.pid_of("mail catcher"))


def _up_without_services(tmp_path: Path, smtp_port: int, *extra: str) -> Up:
    # free_port() may hand out the same port twice in a row: ask until all four differ.
    ports = {smtp_port}
    while len(ports) < 4:
        ports.add(free_port())
    nats_port, mail_port, issuer_port = sorted(ports - {smtp_port})
    return Up(
        ["--state-dir", str(tmp_path), "--no-services", "--nats-port", str(nats_port),
         "--smtp-port", str(smtp_port), "--mail-port", str(mail_port),
         "--issuer-port", str(issuer_port), *extra]
    )  # fmt: skip


def test_a_killed_process_is_started_again_and_the_operator_told_why(
    tmp_path: Path, ups: list[Up]
) -> None:
    smtp_port = free_port()
    up = _up_without_services(tmp_path, smtp_port)
    ups.append(up)
    up.wait_for("Stop with Ctrl-C.")
    first = up.pid_of("mail catcher")

    os.kill(first, signal.SIGKILL)
    up.wait_for("mail catcher killed by SIGKILL (it cannot log why")
    assert "starting it again in 1 s" in up.output
    line = up.wait_for("restarted mail catcher (pid ")
    second = int(line.split("(pid ")[1].split(")")[0])
    assert second != first and not gone(second)

    def smtp_answers() -> bool:
        try:
            with smtplib.SMTP("127.0.0.1", smtp_port, timeout=2) as smtp:
                return smtp.noop()[0] == 250
        except OSError:
            return False

    assert _eventually(smtp_answers)
    assert up.process.poll() is None  # the rest of the stack never stopped
    assert up.stop(signal.SIGTERM) == 0
    assert gone(second)


def test_a_crash_loop_stops_everything(tmp_path: Path, ups: list[Up]) -> None:
    up = _up_without_services(tmp_path, free_port(), "--max-restarts", "1")
    ups.append(up)
    up.wait_for("Stop with Ctrl-C.")
    mail_pid = up.pid_of("mail catcher")

    os.kill(up.pid_of("nats-server"), signal.SIGKILL)
    line = up.wait_for("restarted nats-server (pid ")
    os.kill(int(line.split("(pid ")[1].split(")")[0]), signal.SIGKILL)
    assert up.wait() == 3
    assert "nats-server killed by SIGKILL" in up.output
    assert "a crash loop; stopping everything" in up.output
    assert gone(mail_pid)


def _eventually(check: Callable[[], bool], timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return False


def test_up_with_an_external_nats_starts_none_and_uses_every_server_listed(
    tmp_path: Path, ups: list[Up]
) -> None:
    """`--nats-url` (e.g. a cluster's servers, comma-separated): the runner starts no
    nats-server, creates the streams and imports HR data there, reaching a live server though
    the first listed is down, and stops without touching it."""
    external = NatsServer()  # no authorization: it accepts the runner's users as they come
    external.start()
    try:
        dead = f"nats://127.0.0.1:{free_port()}"
        up = _up_without_services(
            tmp_path, free_port(), "--demo", "--nats-url", f"{dead},{external.url}"
        )
        ups.append(up)
        up.wait_for("Stop with Ctrl-C.")
        assert "started nats-server" not in up.output
        assert f"using the NATS at {dead},{external.url}" in up.output
        assert "36 published, 0 unchanged" in up.output
        assert not (tmp_path / "nats-server.conf").exists()
        assert _hr_stream(external.url, tmp_path) == (36, 36)
        assert up.stop(signal.SIGINT) == 0
        assert external.process is not None and external.process.poll() is None
    finally:
        external.cleanup()
