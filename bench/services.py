"""One service as its own process, started as ``ideapaja up`` starts it
(``python -m ideapaja_runtime.serve <name>``), with its settings in the environment; and a raw
nats-py pull consumer, the baseline of every consuming row."""

from __future__ import annotations

import subprocess
import time
import uuid
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from nats.errors import TimeoutError as FetchTimeout
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from bench.harness import PYTHON, Processes, free_port, wait_ready
from ideapaja_runtime.testing import DevKeys

LIFECYCLE = "IDEAPAJA"
HR = "IDEAPAJA_HR"
# Settings that let one load generator on 127.0.0.1 stand for a city of people.
NO_LIMITS = {
    "INTAKE_SUBMISSIONS_PER_HOUR": str(10**9),
    "INTAKE_RATE_LIMIT_PER_IP_SUBMISSIONS": "1000000000/minute",
}


@cache
def dev_keys() -> DevKeys:
    """The identity provider of a standalone service run (tokens signed with it)."""
    return DevKeys()


@dataclass
class Service:
    name: str
    port: int
    process: subprocess.Popen[bytes]
    ready_seconds: float

    @property
    def pid(self) -> int:
        return self.process.pid


def start_service(
    processes: Processes,
    name: str,
    nats_url: str,
    database_url: str,
    extra: dict[str, str] | None = None,
) -> Service:
    """Start ``name`` and wait for ``/readyz``; ``ready_seconds`` is from exec to ready."""
    port = free_port()
    prefix = f"IDEAPAJA_{name.upper()}_"
    settings = {
        "DATABASE_URL": database_url,
        "NATS_URL": nats_url,
        "HTTP_PORT": str(port),
        "AUTH_PUBLIC_KEY": dev_keys().public_pem,
        "LOG_LEVEL": "WARNING",
        "PSEUDONYM_SECRET": "bench-pseudonym-secret-0123456789",
    }
    env = {f"{prefix}{key}": value for key, value in settings.items()}
    env.update({f"IDEAPAJA_{key}": value for key, value in NO_LIMITS.items()})
    env.update(extra or {})
    started = time.perf_counter()
    process = processes.start([PYTHON, "-m", "ideapaja_runtime.serve", name], env=env, name=name)
    wait_ready(port, timeout=90, process=process)
    return Service(name, port, process, time.perf_counter() - started)


def sqlite_url(directory: Path, name: str) -> str:
    return f"sqlite+aiosqlite:///{directory / f'{name}.db'}"


async def raw_pull(
    js: JetStreamContext, stream: str, subject: str, count: int, batch: int = 256
) -> tuple[float, list[bytes]]:
    """Consume ``count`` messages of ``subject`` from the start of ``stream`` with a fresh
    durable pull consumer, fetching ``batch`` at a time and acking each; (seconds, bodies)."""
    durable = f"bench-raw-{uuid.uuid4().hex[:8]}"
    config = ConsumerConfig(
        durable_name=durable,
        deliver_policy=DeliverPolicy.ALL,
        ack_policy=AckPolicy.EXPLICIT,
        filter_subject=subject,
        max_ack_pending=max(1000, batch * 4),
    )
    subscription = await js.pull_subscribe(subject, durable=durable, stream=stream, config=config)
    bodies: list[bytes] = []
    started = time.perf_counter()
    try:
        while len(bodies) < count:
            try:
                messages = await subscription.fetch(min(batch, count - len(bodies)), timeout=5)
            except FetchTimeout:
                break
            for message in messages:
                bodies.append(message.data)
                await message.ack()
        seconds = time.perf_counter() - started
    finally:
        await subscription.unsubscribe()
        await js.delete_consumer(stream, durable)
    return seconds, bodies
