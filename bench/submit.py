"""Row 4: intake's durable ``POST /ideas``, req/s and p50/p99 at 16 and 64 keep-alive
connections (closed loop), beside (a) the thin durable reference (``bench/reference_app.py``:
the same durable work by hand, no framework) and (b) a bare FastAPI endpoint with the same
``IdeaSubmission`` model that stores nothing; and intake's p99 at 500 req/s offered open-loop.

Each server is its own uvicorn process on SQLite (a fresh file) and a private nats-server; each
connection sends as a different person (each has its own submission counter, as in a city).
"Durable": the 201 is sent after the idea and its event are committed (intake: its outbox, the
relay publishes; the reference: committed, then published and acknowledged by JetStream).
Moved here from services/intake/benchmarks/bench_submit.py.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Callable
from pathlib import Path

from bench import events
from bench.harness import (
    PYTHON,
    Processes,
    Row,
    Target,
    cpu_seconds,
    free_port,
    ms,
    percentile,
    start_nats,
    wait_for_port,
)
from bench.loadgen import Result, Sent, closed_loop, http_request, open_loop
from bench.services import dev_keys, sqlite_url, start_service

BODY = json.dumps(events.idea_texts("Omatoimikirjasto iltaisin")).encode()
CONNECTIONS = (16, 64)


def serve_bare(port: int) -> None:
    """The floor: the same model validated and echoed, nothing stored, no auth, no events."""
    import uvicorn
    from fastapi import FastAPI

    from ideapaja_intake.domain.submission import IdeaSubmission

    app = FastAPI()

    async def create(submission: IdeaSubmission) -> IdeaSubmission:
        return submission

    app.post("/ideas", status_code=201, response_model=IdeaSubmission)(create)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def tokens(count: int) -> list[str]:
    return [dev_keys().token(f"p-bench-{n}", "employee", ttl=3600) for n in range(count)]


async def measure(label: str, port: int, pid: int, total: int) -> dict[int, Result]:
    """Closed-loop runs at each connection count, after a warm-up; CPU of the server."""
    people = tokens(max(CONNECTIONS))
    await closed_loop("warm-up", port, BODY, people, total // 10, 16)
    found = {}
    for connections in CONNECTIONS:
        before = cpu_seconds(pid)
        found[connections] = await closed_loop(label, port, BODY, people, total, connections)
        found[connections].cpu_seconds = cpu_seconds(pid) - before
    return found


def targets(
    work: Path, nats_url: str, processes: Processes
) -> dict[str, Callable[[], tuple[int, int]]]:
    """How to start each server; each returns the (port, pid) it listens on."""

    def bare() -> tuple[int, int]:
        port = free_port()
        process = processes.start([PYTHON, "-m", "bench.submit", "--bare", str(port)], name="bare")
        wait_for_port(port, 60)
        return port, process.pid

    def reference() -> tuple[int, int]:
        port = free_port()
        key = work / "public.pem"
        key.write_text(dev_keys().public_pem)
        args = ["--port", str(port), "--database", str(work / "reference.db")]
        args += ["--nats", nats_url, "--public-key-file", str(key)]
        process = processes.start([PYTHON, "-m", "bench.reference_app", *args], name="reference")
        wait_for_port(port, 60)
        return port, process.pid

    def intake() -> tuple[int, int]:
        service = start_service(processes, "intake", nats_url, sqlite_url(work, "intake"))
        return service.port, service.pid

    return {"bare": bare, "reference": reference, "intake": intake}


def rows(work: Path, quick: bool) -> list[Row]:
    total = 1000 if quick else 4000
    processes = Processes(work)
    results: dict[str, dict[int, Result]] = {}
    offered: list[Sent] = []
    try:
        nats_url = start_nats(processes, work / "nats")
        asyncio.run(events.import_demo_organisation(nats_url))
        for name, start in targets(work, nats_url, processes).items():
            port, pid = start()
            results[name] = asyncio.run(measure(name, port, pid, total))
            if name == "intake":
                offered = asyncio.run(open_500(port, total))
    finally:
        processes.stop_all()
    found = []
    for connections in CONNECTIONS:
        intake, reference = results["intake"][connections], results["reference"][connections]
        bare = results["bare"][connections]
        ratio = intake.rate / reference.rate
        found.append(
            Row(
                "4 submit",
                f"intake durable, SQLite, {connections} connections",
                f"{describe(intake)}",
                f"ref {describe(reference)} → ×{ratio:.2f}; bare FastAPI {bare.rate:,.0f} req/s",
                Target(">=", 0.5, "≥ 0.5 of ref"),
                ratio,
                {
                    "intake_req_s": intake.rate,
                    "reference_req_s": reference.rate,
                    "bare_req_s": bare.rate,
                    "intake_cpu_ms": intake.cpu_ms_per_request,
                    "reference_cpu_ms": reference.cpu_ms_per_request,
                },
            )
        )
    p99 = percentile([s.latency for s in offered], 99)
    created = sum(1 for s in offered if s.status == 201)
    found.append(
        Row(
            "4 submit",
            "intake durable, 500 req/s offered (open loop)",
            f"{created}/{len(offered)} created, p50 "
            f"{ms(percentile([s.latency for s in offered], 50))}, p99 {ms(p99)}",
            target=Target("<", 0.050, "p99 < 50 ms"),
            value=p99,
        )
    )
    return found


def describe(result: Result) -> str:
    return (
        f"{result.rate:,.0f} req/s p50 {ms(percentile(result.latencies, 50))} "
        f"p99 {ms(percentile(result.latencies, 99))} {result.cpu_ms_per_request or 0:.1f} ms CPU"
    )


async def open_500(port: int, total: int) -> list[Sent]:
    people = tokens(64)
    requests = [http_request(port, BODY, people[n % 64]) for n in range(total)]
    return await open_loop(port, requests, 500, connections=64)


if __name__ == "__main__" and sys.argv[1:2] == ["--bare"]:
    serve_bare(int(sys.argv[2]))
