"""The fault suite on PostgreSQL (issue 14, F2): every service in a database of its own on the
machine's PostgreSQL, reached through a proxy this test controls (postgres.py). The server is
never stopped or reconfigured: other runs share it.

    RELIABILITY_RESULTS=results.jsonl .venv/bin/pytest -m reliability \
        tests/reliability/test_postgres_faults.py

Deselected from the normal run like the other long scenarios (1,000 ideas; RELIABILITY_IDEAS)."""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import Iterator

import pytest
from harness import (
    Fault,
    FaultStack,
    Payroll,
    Workload,
    dead_letter_count,
    ideas_for_full_run,
    kill_and_recover,
    run_with_faults,
    verify,
)
from postgres import PostgresDatabases
from second_relay import SecondRelay

from ideapaja_runtime.testing import postgres_available

pytestmark = [
    pytest.mark.reliability,
    pytest.mark.reliability_full,
    pytest.mark.timeout(3600),
    pytest.mark.skipif(not postgres_available(), reason="no PostgreSQL on 127.0.0.1:5432"),
]

OUTAGE_SECONDS = 30.0


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FaultStack, Payroll]]:
    root = tmp_path_factory.mktemp("postgres-faults")
    databases = PostgresDatabases()
    stack = FaultStack(state_dir=root / "state", postgres=databases)
    payroll = Payroll(stack, root)
    try:
        databases.start_proxy(root / "proxy.log")
        stack.start()
        payroll.start()
        yield stack, payroll
    finally:
        payroll.stop()
        if stack.process is not None:
            stack.down()
        databases.drop()


def workload(stack: FaultStack) -> Workload:
    return Workload(stack, ideas=ideas_for_full_run(), concurrency=16)


def test_f0_undisturbed_workload_on_postgresql(stack: tuple[FaultStack, Payroll]) -> None:
    """The baseline on PostgreSQL: the counts harness.expected derives, read from the services'
    PostgreSQL databases."""
    fault_stack, payroll = stack
    work = workload(fault_stack)
    recovery = asyncio.run(run_with_faults(work, "pg-f0", []))
    verify(fault_stack, payroll, work, "pg-f0", scenario="F0 (baseline, PostgreSQL)",
           fault="none", recovery=recovery)  # fmt: skip


def test_f2_postgresql_unavailable_for_30_seconds(stack: tuple[FaultStack, Payroll]) -> None:
    """F2 on PostgreSQL: under load, every open connection of every service to its database is
    reset and new ones are refused for 30 s (PostgreSQL stopped), then the server is there
    again. Nothing may be lost, doubled or dead-lettered; every service is ready again by
    itself (pools, consumers, outbox relays and the mail sender recover without a restart)."""
    fault_stack, payroll = stack
    databases = fault_stack.postgres
    assert databases is not None
    work = workload(fault_stack)
    dead_before = asyncio.run(dead_letter_count(fault_stack))
    pids = {name: fault_stack.pid_of(name) for name in fault_stack.service_ports}
    seen: dict[str, object] = {}

    async def outage() -> float:
        started = time.monotonic()
        databases.cut()
        await asyncio.sleep(OUTAGE_SECONDS / 2)
        seen["not ready during the outage"] = await asyncio.to_thread(fault_stack.not_ready, 5.0)
        await asyncio.sleep(started + OUTAGE_SECONDS - time.monotonic())
        databases.restore()
        restored = time.monotonic()
        await asyncio.to_thread(fault_stack.wait_ready, 300.0, 5.0)
        seen["ready again after the restore (s)"] = round(time.monotonic() - restored, 1)
        return time.monotonic() - started

    recovery = asyncio.run(run_with_faults(work, "pg-f2", [(0.3, outage)]))
    print(seen)
    verify(fault_stack, payroll, work, "pg-f2", scenario="F2 PostgreSQL",
           fault=f"every service's PostgreSQL connections reset, new ones refused "
                 f"{OUTAGE_SECONDS:.0f} s at 30 %", recovery=recovery)  # fmt: skip
    assert asyncio.run(dead_letter_count(fault_stack)) == dead_before, "live work dead-lettered"
    # Recovered by themselves: no service had to be restarted (by the runner) to get going.
    assert {name: fault_stack.pid_of(name) for name in pids} == pids
    assert seen["not ready during the outage"], "/readyz did not notice the database was gone"


def test_f5_relays_killed_mid_batch_race_a_second_relay(stack: tuple[FaultStack, Payroll]) -> None:
    """F5 on PostgreSQL, where a service's replicas share one outbox (each row claimed by one
    relay, FOR UPDATE SKIP LOCKED): intake and review each get a second relay on their outbox,
    as a second replica would run (second_relay.py). Intake is SIGKILLed at 30 % and review at
    60 % — each relay dies mid-batch with rows handed over and claimed — and the runner starts
    it again: its new relay and the second one race for the rows the dead one held, and for
    everything after. Nothing may be lost or doubled; each relay's share is reported."""
    fault_stack, payroll = stack
    databases = fault_stack.postgres
    assert databases is not None
    work = workload(fault_stack)
    racing = {"intake", "review"}
    before = fault_stack.duplicate_publishes()
    seconds = [
        SecondRelay(
            service,
            f"postgresql+asyncpg://postgres@127.0.0.1:5432/{databases.name(service)}",
            fault_stack.nats_url,
            fault_stack.state_dir,
        )
        for service in sorted(racing)
    ]

    def kill(service: str) -> Fault:
        return lambda: kill_and_recover(fault_stack, service, signal.SIGKILL)

    try:
        recovery = asyncio.run(
            run_with_faults(work, "pg-f5", [(0.3, kill("intake")), (0.6, kill("review"))])
        )
        verify(fault_stack, payroll, work, "pg-f5", scenario="F5 PostgreSQL",
               fault="a second relay on intake's and review's outboxes; intake SIGKILLed at "
                     "30 %, review at 60 %, each restarted by the runner",
               recovery=recovery)  # fmt: skip
    finally:
        for relay in seconds:
            relay.stop()
    shares = {relay.service: relay.published() for relay in seconds}
    after = fault_stack.duplicate_publishes()
    print(
        "second relays (published, of them duplicates):", shares,
        "services' duplicate publishes:", {s: after[s] - before[s] for s in racing},
    )  # fmt: skip
    # The race happened: each second relay published a share of its service's events.
    assert all(published > 0 for published, _duplicates in shares.values()), shares
