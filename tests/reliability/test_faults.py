"""The reliability suite's long scenarios (issue 14): each drives its own 1,000 ideas (or
$RELIABILITY_IDEAS) through one embedded stack shared by the module, injects its fault while the
work is in flight, and counts every effect afterwards (harness.verify: 0 lost, 0 doubled).

    RELIABILITY_RESULTS=results.jsonl .venv/bin/pytest -m reliability tests/reliability

Deselected from the normal run (pyproject's addopts: -m 'not reliability_full')."""

from __future__ import annotations

import asyncio
import json
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import nats
import pytest
from harness import (
    FaultStack,
    Payroll,
    Workload,
    WriteLock,
    ideas_for_full_run,
    kill_and_recover,
    run_with_faults,
    verify,
)
from nats.js.api import DeliverPolicy

from ideapaja_runner.deadletters import list_dead_letters

pytestmark = [pytest.mark.reliability, pytest.mark.reliability_full, pytest.mark.timeout(3600)]

SERVICES = ["intake", "review", "reward", "notification", "privacy", "portal"]


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FaultStack, Payroll]]:
    root = tmp_path_factory.mktemp("faults")
    stack = FaultStack(state_dir=root / "state")
    stack.start()
    payroll = Payroll(stack, root)
    payroll.start()
    yield stack, payroll
    payroll.stop()
    if stack.process is not None:
        stack.down()


def workload(stack: FaultStack) -> Workload:
    return Workload(stack, ideas=ideas_for_full_run(), concurrency=16)


def test_f0_undisturbed_workload(stack: tuple[FaultStack, Payroll]) -> None:
    """The baseline: the workload with no fault leaves exactly what harness.expected derives
    (so a scenario's loss is the fault's, not a wrong expectation), and its settle time."""
    fault_stack, payroll = stack
    work = workload(fault_stack)
    recovery = asyncio.run(run_with_faults(work, "f0", []))
    verify(fault_stack, payroll, work, "f0", scenario="F0 (baseline)", fault="none",
           recovery=recovery)  # fmt: skip


@pytest.mark.parametrize("service", SERVICES)
def test_f1_sigkill_under_load(stack: tuple[FaultStack, Payroll], service: str) -> None:
    """F1 + F14: SIGKILL mid-batch (between commits and acks, between an SMTP accept and its
    record); the runner's supervisor starts the process again by itself."""
    fault_stack, payroll = stack
    work = workload(fault_stack)
    run = f"f1-{service}"
    recovery = asyncio.run(
        run_with_faults(
            work, run, [(0.3, lambda: kill_and_recover(fault_stack, service, signal.SIGKILL))]
        )
    )
    verify(fault_stack, payroll, work, run, scenario=f"F1/F14 {service}",
           fault=f"SIGKILL {service} at 30 %", recovery=recovery)  # fmt: skip


@pytest.mark.parametrize("service", SERVICES)
def test_f10_sigterm_mid_batch(stack: tuple[FaultStack, Payroll], service: str) -> None:
    """F10: a graceful stop mid-batch finishes or hands back its work; the runner restarts it."""
    fault_stack, payroll = stack
    work = workload(fault_stack)
    run = f"f10-{service}"
    recovery = asyncio.run(
        run_with_faults(
            work, run, [(0.3, lambda: kill_and_recover(fault_stack, service, signal.SIGTERM))]
        )
    )
    verify(fault_stack, payroll, work, run, scenario=f"F10 {service}",
           fault=f"SIGTERM {service} at 30 %", recovery=recovery)  # fmt: skip


def test_f6_nats_server_killed_twice(stack: tuple[FaultStack, Payroll]) -> None:
    """F6: the nats-server SIGKILLed under load, twice; every consumer resumes."""
    fault_stack, payroll = stack
    work = workload(fault_stack)
    kill = lambda: kill_and_recover(fault_stack, "nats-server", signal.SIGKILL)  # noqa: E731
    recovery = asyncio.run(run_with_faults(work, "f6", [(0.3, kill), (0.6, kill)]))
    verify(fault_stack, payroll, work, "f6", scenario="F6",
           fault="SIGKILL nats-server at 30 % and 60 %", recovery=recovery)  # fmt: skip


def test_f13_smtp_hangs_then_refuses(stack: tuple[FaultStack, Payroll]) -> None:
    """F13: the SMTP server stops answering for 90 s (SIGSTOP: connections accepted by the
    kernel, never a reply), comes back, then dies (refusing until the runner restarts it)."""
    fault_stack, payroll = stack
    work = workload(fault_stack)

    async def hang() -> float:
        pid = fault_stack.signal("mailcatcher", signal.SIGSTOP)
        await asyncio.sleep(90)
        started = time.monotonic()
        fault_stack.signal("mailcatcher", signal.SIGCONT)
        assert fault_stack.pid_of("mailcatcher") == pid
        return time.monotonic() - started

    async def refuse() -> float:
        return await kill_and_recover(fault_stack, "mailcatcher", signal.SIGKILL)

    recovery = asyncio.run(run_with_faults(work, "f13", [(0.2, hang), (0.7, refuse)]))
    verify(fault_stack, payroll, work, "f13", scenario="F13",
           fault="SMTP hangs 90 s, then killed", recovery=recovery)  # fmt: skip


@pytest.mark.parametrize("service", SERVICES)
def test_f2_database_locked_30s(stack: tuple[FaultStack, Payroll], service: str) -> None:
    """F2: another process holds the service's SQLite write lock for 30 s under load."""
    fault_stack, payroll = stack
    work = workload(fault_stack)
    run = f"f2-{service}"

    async def lock() -> float:
        started = time.monotonic()
        held = WriteLock(fault_stack.database(service), 30)
        await asyncio.to_thread(held.wait)
        return time.monotonic() - started

    recovery = asyncio.run(run_with_faults(work, run, [(0.3, lock)]))
    verify(fault_stack, payroll, work, run, scenario=f"F2 {service}",
           fault=f"{service}.db write-locked 30 s", recovery=recovery)  # fmt: skip


async def _poison(stack: FaultStack) -> list[tuple[str, bytes, dict[str, str]]]:
    """Publish what no consumer can handle, as the operator could by mistake."""
    good = {"ce-type": "ideapaja.idea.submitted.v1", "ce-specversion": "1.0",
            "ce-source": "reliability", "content-type": "application/json"}  # fmt: skip
    poison = [
        ("ideapaja.idea.submitted.v1", b"{not json", {**good, "ce-id": "poison-json"}),
        ("ideapaja.idea.submitted.v1", b'{"idea_id": 1}', {**good, "ce-id": "poison-contract"}),
        (
            "ideapaja.review.decided.v1",
            b"{}",
            {**good, "ce-type": "ideapaja.review.decided.v9", "ce-id": "poison-version"},
        ),
        ("ideapaja.reward.granted.v1", b"x" * 900_000, {**good, "ce-id": "poison-big"}),
        ("ideapaja.idea.submitted.v1", b'{"idea_id": "i-x"}', {}),
    ]
    nc = await nats.connect(stack.nats_url, **stack.nats_credentials("admin"))
    js = nc.jetstream()
    for subject, data, headers in poison:
        await js.publish(subject, data, headers=headers or None)
    await nc.close()
    return poison


async def _dead_letters(stack: FaultStack) -> list[dict[str, object]]:
    nc = await nats.connect(stack.nats_url, **stack.nats_credentials("admin"))
    try:
        return [d.as_dict() for d in await list_dead_letters(nc.jetstream(), "IDEAPAJA_DLQ")]
    finally:
        await nc.close()


def test_f3_poison_messages_are_dead_lettered(stack: tuple[FaultStack, Payroll]) -> None:
    """F3: invalid JSON, the wrong contract, an unknown version, an oversized and a header-less
    message: each dead-lettered with its reason by every consumer of its subject; the work
    around them goes on."""
    fault_stack, payroll = stack
    work = workload(fault_stack)
    before = len(asyncio.run(_dead_letters(fault_stack)))

    async def poison() -> float:
        started = time.monotonic()
        await _poison(fault_stack)
        return time.monotonic() - started

    recovery = asyncio.run(run_with_faults(work, "f3", [(0.3, poison)]))
    verify(fault_stack, payroll, work, "f3", scenario="F3",
           fault="5 poison messages at 30 %", recovery=recovery)  # fmt: skip
    letters = asyncio.run(_dead_letters(fault_stack))[before:]
    assert letters, "no poison message was dead-lettered"
    assert all(letter["reason"] for letter in letters), json.dumps(letters, default=str)


async def _replay_from_start(stack: FaultStack, service: str) -> list[str]:
    """What an operator does to replay the whole stream to a service: each of its durable
    consumers deleted and created again from the stream's first message."""
    nc = await nats.connect(stack.nats_url, **stack.nats_credentials("admin"))
    js = nc.jetstream()
    replayed = []
    try:
        for info in await js.consumers_info("IDEAPAJA"):
            if not info.name.startswith(f"{service}-"):
                continue
            config = info.config
            config.deliver_policy = DeliverPolicy.ALL
            config.opt_start_seq = None
            await js.delete_consumer("IDEAPAJA", info.name)
            await js.add_consumer("IDEAPAJA", config)
            replayed.append(info.name)
    finally:
        await nc.close()
    return replayed


@pytest.mark.parametrize("service", ["reward", "notification", "review"])
def test_f11_operator_replays_the_whole_stream(
    stack: tuple[FaultStack, Payroll], service: str
) -> None:
    """F11: every event ever published delivered again to a service (its consumers reset to the
    stream's start, the service restarted to bind them): no effect happens twice."""
    fault_stack, payroll = stack
    work = workload(fault_stack)
    run = f"f11-{service}"

    async def replay() -> float:
        assert await _replay_from_start(fault_stack, service)
        return await kill_and_recover(fault_stack, service, signal.SIGTERM)

    recovery = asyncio.run(run_with_faults(work, run, [(0.5, replay)]))
    verify(fault_stack, payroll, work, run, scenario=f"F11 {service}",
           fault=f"whole stream replayed to {service}", recovery=recovery)  # fmt: skip


def test_f9_handler_slower_than_ack_wait(tmp_path: Path) -> None:
    """F9: with AckWait 5 s, reward's handlers wait 20 s on a write lock another process holds
    (a real slow dependency): JetStream redelivers while the first delivery is still running,
    and no point or grant is booked twice."""
    fault_stack = FaultStack(state_dir=tmp_path / "state")
    fault_stack.start(env={"IDEAPAJA_REWARD_ACK_WAIT_SECONDS": "5"})
    payroll = Payroll(fault_stack, tmp_path)
    payroll.start()
    try:
        work = Workload(fault_stack, ideas=max(100, ideas_for_full_run() // 5), concurrency=16)

        async def slow() -> float:
            started = time.monotonic()
            held = WriteLock(fault_stack.database("reward"), 20)
            await asyncio.to_thread(held.wait)
            return time.monotonic() - started

        recovery = asyncio.run(run_with_faults(work, "f9", [(0.3, slow)]))
        verify(fault_stack, payroll, work, "f9", scenario="F9",
               fault="AckWait 5 s, reward's handlers held 20 s", recovery=recovery)  # fmt: skip
    finally:
        payroll.stop()
        fault_stack.down()
