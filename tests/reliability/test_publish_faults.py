"""F4 (issue 14): publish acknowledgements lost with the connection, under load. Every service
reaches a NATS server this test owns through a proxy (``partition_proxy.py --lose-replies``);
three times during the workload the proxy throws the server's answers away for a few seconds —
the services' publishes are stored, their acks never arrive — and then resets every connection,
as a connection that dies after a publish does. The outbox relays publish the unacknowledged
rows again once reconnected and JetStream's duplicate window keeps one copy of each (its PubAck
says duplicate, which the relay logs). Then every effect is counted (0 lost, 0 doubled), and
the stream must hold no second copy of any event.

    RELIABILITY_RESULTS=results.jsonl .venv/bin/pytest -m reliability \
        tests/reliability/test_publish_faults.py
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from cluster import Node
from harness import FaultStack, ideas_for_full_run, run_scenario
from partition_proxy import ProxyProcess

from ideapaja_runner import natsauth
from ideapaja_runner.natsd import render_config
from ideapaja_runner.state import StateDir
from ideapaja_runtime.service import discover_services
from ideapaja_runtime.testing import free_port

pytestmark = [pytest.mark.reliability, pytest.mark.reliability_full, pytest.mark.timeout(3600)]

SIZES = [pytest.param(30, id="small"), pytest.param(None, id="full")]
# Long enough for every relay to have publishes in flight (the workload publishes all the time),
# short against the relays' 5 s publish timeout, so the acks are lost rather than timed out.
LOSING_SECONDS = 3.0


@dataclass
class ProxiedStack(FaultStack):
    """The embedded stack on a NATS server of the test's own (the embedded configuration and
    users), which the services reach only through a proxy: `ideapaja up --nats-url` names the
    proxy. The counting, the payroll consumer and the admin reach the server directly."""

    node: Node | None = None
    proxy: ProxyProcess | None = None
    proxy_port: int = field(default_factory=free_port)

    @property
    def nats_url(self) -> str:
        assert self.node is not None
        return self.node.url

    def start(self, **up: Any) -> None:
        root = self.state_dir.parent
        self.node = Node("n1", root / "nats")
        self.node.directory.mkdir(parents=True, exist_ok=True)
        services = list(discover_services())
        passwords = natsauth.ensure_passwords(StateDir.at(self.state_dir), services)
        users = natsauth.embedded_users(services, passwords)
        config = render_config(self.node.directory / "store", self.node.client_port, users=users)
        (self.node.directory / "nats.conf").write_text(config)
        self.node.start()
        pairs = [(self.proxy_port, self.node.client_port)]
        self.proxy = ProxyProcess.start(pairs, lose_replies=True, log=root / "proxy.log")
        super().start(args=["--nats-url", f"nats://127.0.0.1:{self.proxy_port}"], **up)

    def stop(self) -> None:
        if self.process is not None:
            self.down()
        if self.proxy is not None:
            self.proxy.stop()
        if self.node is not None:
            self.node.stop()

    def nats_violations(self) -> list[str]:
        assert self.node is not None
        text = self.node.log.read_text(errors="replace") if self.node.log.exists() else ""
        return [line for line in text.splitlines() if "Violation" in line]


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[ProxiedStack]:
    stack = ProxiedStack(state_dir=tmp_path / "state")
    try:
        stack.start()
        yield stack
    finally:
        stack.stop()


@pytest.mark.parametrize("ideas", SIZES)
def test_f4_publish_acks_lost_with_the_connection(
    stack: ProxiedStack, tmp_path: Path, ideas: int | None
) -> None:
    assert stack.proxy is not None
    proxy = stack.proxy

    async def lose_acks() -> float:
        """Replies lost for LOSING_SECONDS, then every connection reset; seconds from the
        first lost reply until every service is connected and ready again."""
        started = time.monotonic()
        proxy.cut()
        await asyncio.sleep(LOSING_SECONDS)
        proxy.restore()
        await asyncio.to_thread(stack.wait_ready, 120.0)
        return time.monotonic() - started

    outcome = run_scenario(
        stack, tmp_path, "f4", [(0.25, lose_acks), (0.5, lose_acks), (0.75, lose_acks)],
        ideas=ideas or ideas_for_full_run(), scenario="F4", concurrency=16,
        fault=lambda: f"every service's NATS replies lost for {LOSING_SECONDS:.0f} s, then "
                      "its connection reset; at 25, 50 and 75 %",
    )  # fmt: skip
    republished = stack.duplicate_publishes()
    print("publishes JetStream dropped as duplicates, per service:", dict(republished), outcome)
    # The fault happened: acks were lost on events the stream had stored, the relays published
    # them again, and the stream kept one copy (verify counted no second copy in the stream).
    assert sum(republished.values()) > 0, "no acknowledgement was lost: the fault missed"
