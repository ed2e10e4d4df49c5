"""The HTTP load generator: keep-alive HTTP/1.1 connections on raw sockets (cheap, so the client
is not what is measured). Closed loop (``closed_loop``: N connections, each sends its next request
when the previous answered) for throughput; open loop (``open_loop``: request i is due at
t0 + i/rate whatever happened before, latency counted from when it was due) for the waits a
person feels under a given offered load.

Moved here from services/intake/benchmarks/bench_submit.py (one load generator for every row)."""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from typing import Any

Connection = tuple[asyncio.StreamReader, asyncio.StreamWriter]


def http_request(
    port: int, body: bytes, token: str | None, path: str = "/ideas", method: str = "POST"
) -> bytes:
    headers = [
        f"{method} {path} HTTP/1.1",
        f"Host: 127.0.0.1:{port}",
        "Content-Type: application/json",
        "Accept: application/json",
        f"Content-Length: {len(body)}",
    ]
    if token:
        headers.append(f"Authorization: Bearer {token}")
    return ("\r\n".join(headers) + "\r\n\r\n").encode() + body


async def exchange(connection: Connection, request: bytes) -> tuple[int, bytes]:
    """Send one request on a keep-alive connection; its status code and body."""
    reader, writer = connection
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
    body = await reader.readexactly(length) if length else b""
    parts = status_line.split(b" ", 2)
    return (int(parts[1]) if len(parts) > 1 else 0), body


@dataclass
class Result:
    """Requests sent by one load, their latencies (seconds) and how many did not answer 2xx."""

    label: str
    requests: int
    seconds: float
    latencies: list[float]
    errors: int
    cpu_seconds: float | None = None
    statuses: dict[int, int] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def cpu_ms_per_request(self) -> float | None:
        return None if self.cpu_seconds is None else self.cpu_seconds / self.requests * 1000


async def _closed_connection(
    port: int, request: bytes, count: int, latencies: list[float], errors: list[int]
) -> None:
    connection = await asyncio.open_connection("127.0.0.1", port)
    try:
        for _ in range(count):
            started = time.perf_counter()
            status, _body = await exchange(connection, request)
            latencies.append(time.perf_counter() - started)
            if not 200 <= status < 300:
                errors.append(status)
    finally:
        connection[1].close()


async def closed_loop(
    label: str,
    port: int,
    body: bytes,
    tokens: list[str] | None,
    total: int,
    connections: int,
    path: str = "/ideas",
) -> Result:
    """``total`` requests over ``connections`` connections; connection n sends as
    ``tokens[n % len(tokens)]`` (a different person per connection, as in a city)."""
    requests = [
        http_request(port, body, tokens[n % len(tokens)] if tokens else None, path)
        for n in range(connections)
    ]
    latencies: list[float] = []
    errors: list[int] = []
    per_connection = max(1, total // connections)
    started = time.perf_counter()
    await asyncio.wait_for(
        asyncio.gather(
            *(
                _closed_connection(port, request, per_connection, latencies, errors)
                for request in requests
            )
        ),
        timeout=600,
    )
    seconds = time.perf_counter() - started
    return Result(label, per_connection * connections, seconds, latencies, len(errors))


@dataclass
class Sent:
    """One open-loop request: when it was due, when its answer came, what it said."""

    due: float
    done: float = 0.0
    status: int = 0
    answer: dict[str, Any] | None = None

    @property
    def latency(self) -> float:
        return self.done - self.due


async def open_loop(
    port: int, requests: list[bytes], rate: float, connections: int = 64
) -> list[Sent]:
    """Request i is due at t0 + i/rate; it waits for a free connection if all are busy (that
    wait counts: latency runs from when it was due, so a slow server cannot slow the offer)."""
    pool: asyncio.Queue[Connection] = asyncio.Queue()
    for _ in range(connections):
        pool.put_nowait(await asyncio.open_connection("127.0.0.1", port))
    t0 = time.perf_counter() + 0.05
    sent = [Sent(due=t0 + i / rate) for i in range(len(requests))]

    async def one(request: bytes, record: Sent) -> None:
        await asyncio.sleep(max(0.0, record.due - time.perf_counter()))
        connection = await pool.get()
        body = b""
        try:
            record.status, body = await exchange(connection, request)
        except (OSError, asyncio.IncompleteReadError):
            connection = await asyncio.open_connection("127.0.0.1", port)
        finally:
            record.done = time.perf_counter()
            pool.put_nowait(connection)
        if 200 <= record.status < 300 and body:
            record.answer = json.loads(body)

    try:
        await asyncio.gather(*(one(r, s) for r, s in zip(requests, sent, strict=True)))
    finally:
        while not pool.empty():
            pool.get_nowait()[1].close()
    return sent
