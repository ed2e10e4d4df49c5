"""The HR/payroll example consumer (examples/hr-payroll-consumer) on a real NATS server secured
as deploy/ secures it: as the ``payroll`` user it books every valid grant exactly once, through
a SIGKILL mid-stream and a restart, and terminates (and keeps) what is not a valid grant."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import nats
import pytest

from ideapaja_contracts import encode
from ideapaja_contracts.events.reward import RewardGranted, RewardKind
from ideapaja_runtime.nats_permissions import (
    ADMIN,
    PAYROLL,
    nats_users,
    password_env,
    render_authorization,
)
from ideapaja_runtime.settings import ServiceSettings
from ideapaja_runtime.testing import free_port, nats_server_binary, wait_for_port

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "hr-payroll-consumer" / "payroll_consumer.py"
SCHEMA = REPO / "contracts" / "schemas" / "ideapaja.reward.granted.v1.json"
SETTINGS = ServiceSettings()
STREAM = SETTINGS.lifecycle_stream
GRANTS = 150


@dataclass
class SecuredNats:
    url: str
    passwords: dict[str, str]


@pytest.fixture
def secured_nats(tmp_path: Path) -> Iterator[SecuredNats]:
    """nats-server with the users and permissions ``python -m ideapaja_runtime.deploy_users``
    writes into deploy/nats/nats.conf (the reward service's user, admin and payroll)."""
    passwords = {user: f"pw-{user}" for user in (ADMIN, "hr-adapter", PAYROLL, "reward")}
    port = free_port()
    config = tmp_path / "nats.conf"
    config.write_text(
        f"host: 127.0.0.1\nport: {port}\n"
        f'jetstream {{ store_dir: "{tmp_path / "store"}" }}\n'
        + render_authorization(nats_users(["reward"], SETTINGS, passwords))
    )
    process = subprocess.Popen(
        [nats_server_binary(), "-c", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port)
        yield SecuredNats(f"nats://127.0.0.1:{port}", passwords)
    finally:
        process.terminate()
        process.wait(10)


@asynccontextmanager
async def connected(server: SecuredNats, user: str) -> AsyncIterator[Any]:
    nc = await nats.connect(
        server.url, user=user, password=server.passwords[user], inbox_prefix=f"_INBOX_{user}"
    )
    try:
        yield nc
    finally:
        await nc.close()


def grant(n: int) -> RewardGranted:
    return RewardGranted(
        idea_id=f"i-{n % 7}",
        grant_id=f"g-{n:04d}",
        person_id=f"p-{1000 + n % 13}",
        kind=RewardKind.MONEY,
        amount=Decimal("33.33"),
        currency="EUR",
        reason="=SUM(A1)" if n == 5 else "Committee award",
        reason_code="award_money",
        taxable=True,
        unit_id="u-kirjasto",
        department_id="u-sivi",
        period="2026-03",
        approval_trail_id=f"a-{n}",
    )


async def publish(nc: Any, event: RewardGranted, *, event_id: str | None = None) -> None:
    message = encode(event, source="/ideapaja/reward", event_id=event_id)
    await nc.jetstream().publish(message.subject, message.body, headers=message.headers)


class Payroll:
    """The example consumer as a process of its own, as HR would run it."""

    def __init__(self, server: SecuredNats, tmp_path: Path) -> None:
        self.csv = tmp_path / "payroll.csv"
        self.rejects = tmp_path / "payroll.csv.rejected"
        self.log = tmp_path / "consumer.log"
        self.env = {**os.environ, password_env(PAYROLL): server.passwords[PAYROLL]}
        self.args = [
            sys.executable, str(EXAMPLE), "--nats-url", server.url, "--user", PAYROLL,
            "--password-env", password_env(PAYROLL), "--schema", str(SCHEMA),
            "--csv", str(self.csv), "--batch", "5", "--fetch-timeout", "0.3", "--ack-wait", "2",
        ]  # fmt: skip
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(self.args, env=self.env, stderr=log)

    def stop(self, sig: int = signal.SIGTERM) -> int:
        assert self.process is not None
        self.process.send_signal(sig)
        try:
            return self.process.wait(10)
        finally:
            self.process.kill()  # (already ended, unless it ignored the signal)
            self.process.wait()

    def rows(self) -> list[dict[str, str]]:
        if not self.csv.exists():
            return []
        with self.csv.open(newline="", encoding="utf-8") as handle:
            return list(csv.DictReader(handle))

    def wait_for(self, check: Any, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if check():
                return
            assert self.process is not None and self.process.poll() is None, self.log.read_text()
            time.sleep(0.02)
        raise AssertionError(f"not reached in {timeout}s:\n{self.log.read_text()}")


async def test_each_grant_is_one_row_through_a_kill_and_a_restart(
    secured_nats: SecuredNats, tmp_path: Path
) -> None:
    async with connected(secured_nats, ADMIN) as admin:
        await admin.jetstream().add_stream(name=STREAM, subjects=["ideapaja.>"])
    payroll = Payroll(secured_nats, tmp_path)
    async with connected(secured_nats, "reward") as reward:
        for n in range(GRANTS):
            await publish(reward, grant(n), event_id=f"g-{n:04d}")
        # The same grant published again under another event id (a replay JetStream keeps).
        await publish(reward, grant(3), event_id="replayed-g-0003")
        # Not grants: a body the schema refuses, and one that is not JSON at all.
        message = encode(grant(0), source="/ideapaja/reward", event_id="broken")
        bad = json.loads(message.body)
        del bad["person_id"]
        await reward.jetstream().publish(
            message.subject, json.dumps(bad).encode(), headers=message.headers
        )
        await reward.jetstream().publish(
            message.subject,
            b"{not json",
            headers={**message.headers, "ce-id": "garbled", "Nats-Msg-Id": "garbled"},
        )

    payroll.start()
    try:
        await book_through_a_kill(payroll, secured_nats)
    finally:
        if payroll.process is not None and payroll.process.poll() is None:
            payroll.stop(signal.SIGKILL)

    rows = payroll.rows()

    assert sorted(row["grant_id"] for row in rows) == [f"g-{n:04d}" for n in range(GRANTS)]
    first = next(row for row in rows if row["grant_id"] == "g-0005")
    assert (first["amount"], first["currency"], first["taxable"], first["period"]) == (
        "33.33",
        "EUR",
        "true",
        "2026-03",
    )
    assert first["reason"] == "'=SUM(A1)"
    assert first["approval_trail_id"] == "a-5"
    reasons = [entry["reason"] for entry in rejected(payroll)]
    assert any("person_id" in reason for reason in reasons)
    assert any("not JSON" in reason for reason in reasons)


async def book_through_a_kill(payroll: Payroll, secured_nats: SecuredNats) -> None:
    payroll.wait_for(lambda: len(payroll.rows()) >= 20)
    payroll.stop(signal.SIGKILL)  # mid-stream: some rows written, maybe not yet acknowledged
    killed_at = len(payroll.rows())
    assert killed_at < GRANTS, "the consumer finished before it was killed: publish more"
    with payroll.csv.open("a", encoding="utf-8") as torn:
        torn.write("g-torn,p-1,mon")  # as if killed in the middle of writing a line

    payroll.start()
    payroll.wait_for(lambda: len(payroll.rows()) >= GRANTS)
    payroll.wait_for(lambda: payroll.rejects.exists() and len(rejected(payroll)) == 2)
    async with connected(secured_nats, ADMIN) as admin:
        info = await admin.jetstream().consumer_info(STREAM, PAYROLL)
    deadline = time.monotonic() + 10
    while (info.num_pending or info.num_ack_pending) and time.monotonic() < deadline:
        time.sleep(0.1)
        async with connected(secured_nats, ADMIN) as admin:
            info = await admin.jetstream().consumer_info(STREAM, PAYROLL)
    assert (info.num_pending, info.num_ack_pending) == (0, 0)
    assert payroll.stop() == 0  # SIGTERM: a clean stop


def rejected(payroll: Payroll) -> list[dict[str, Any]]:
    return [json.loads(line) for line in payroll.rejects.read_text().splitlines()]
