"""The fault suite on PostgreSQL: every service of the stack in a database of its own on the
machine's PostgreSQL (127.0.0.1:5432, user postgres), named for this run and dropped after it
(``ideapaja up --database-url``: ``<prefix>_<service>``, created by the runner, migrated by each
service as it starts). The services reach the server through a TCP proxy this test runs
(``partition_proxy.py --refuse``), so F2 can take the database away from them without touching
the server itself, which other test runs share; the counting connects to the server directly.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
from partition_proxy import ProxyProcess

from ideapaja_runtime.testing import free_port

SERVER_HOST, SERVER_PORT = "127.0.0.1", 5432
ADMIN = f"postgresql://postgres@{SERVER_HOST}:{SERVER_PORT}/postgres"


@dataclass
class PostgresDatabases:
    """This run's databases (``ideapaja_rel_<random>_<service>``), reached by the services
    through ``proxy_port``."""

    prefix: str = field(default_factory=lambda: f"ideapaja_rel_{uuid.uuid4().hex[:8]}")
    proxy_port: int = field(default_factory=free_port)
    proxy: ProxyProcess | None = None

    @property
    def database_url(self) -> str:
        """``ideapaja up --database-url``: through the proxy."""
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.proxy_port}/{self.prefix}"

    def name(self, service: str) -> str:
        return f"{self.prefix}_{service.replace('-', '_')}"

    def start_proxy(self, log: Path) -> None:
        self.proxy = ProxyProcess.start([(self.proxy_port, SERVER_PORT)], refuse=True, log=log)

    def cut(self) -> None:
        """PostgreSQL gone for the services: open connections reset, new ones refused."""
        assert self.proxy is not None
        self.proxy.cut()

    def restore(self) -> None:
        assert self.proxy is not None
        self.proxy.restore()

    def query(self, service: str, sql: str) -> list[tuple[Any, ...]]:
        """A query of a service's database in a read-only transaction (never takes a lock a
        writer waits for), straight to the server."""
        return asyncio.run(_read_only(f"{ADMIN.rsplit('/', 1)[0]}/{self.name(service)}", sql))

    def drop(self) -> None:
        """Stop the proxy and drop every database of this run."""
        if self.proxy is not None:
            self.proxy.stop()
            self.proxy = None
        asyncio.run(_drop_like(self.prefix))


async def _read_only(url: str, sql: str) -> list[tuple[Any, ...]]:
    connection = await asyncpg.connect(url, timeout=30)
    try:
        async with connection.transaction(readonly=True):
            return [tuple(row) for row in await connection.fetch(sql)]
    finally:
        await connection.close()


async def _drop_like(prefix: str) -> None:
    connection = await asyncpg.connect(ADMIN, timeout=30)
    try:
        names = await connection.fetch(
            "SELECT datname FROM pg_database WHERE datname LIKE $1", f"{prefix}\\_%"
        )
        for row in names:
            await connection.execute(f'DROP DATABASE IF EXISTS "{row["datname"]}" WITH (FORCE)')
    finally:
        await connection.close()
