"""deploy/postgres/initdb: isolated databases whose roles can run their service's migrations."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from ideapaja_runtime.testing import PG_ADMIN_URL

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "deploy" / "postgres" / "initdb" / "10-ideapaja-databases.sh"
ADMIN = make_url(PG_ADMIN_URL)
PASSWORD = "deploy-test-password"
MIGRATE = """
import asyncio, sys
from pathlib import Path
from ideapaja_runtime.db import Database

async def main(url, migrations):
    database = Database(url)
    try:
        await database.migrate(Path(migrations) if migrations else None)
    finally:
        await database.dispose()

asyncio.run(main(sys.argv[1], sys.argv[2]))
"""


def _postgres_reachable() -> bool:
    try:
        with socket.create_connection((ADMIN.host or "127.0.0.1", ADMIN.port or 5432), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture(scope="module")
def psql_env() -> dict[str, str]:
    if shutil.which("psql") is None:
        pytest.skip("psql is not installed")
    if not _postgres_reachable():
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is expected at {ADMIN.host}:{ADMIN.port} in CI")
        pytest.skip("no PostgreSQL to run the init script against")
    env = {
        **os.environ,
        "PGHOST": ADMIN.host or "127.0.0.1",
        "PGPORT": str(ADMIN.port or 5432),
        "POSTGRES_USER": ADMIN.username or "postgres",
        "POSTGRES_DB": ADMIN.database or "postgres",
        "SERVICE_DB_PASSWORD": PASSWORD,
    }
    if ADMIN.password:
        env["PGPASSWORD"] = ADMIN.password
    return env


def _run_script(env: dict[str, str], names: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["sh", str(SCRIPT)],
        env={**env, "SERVICE_DATABASES": " ".join(names)},
        capture_output=True,
        text=True,
        timeout=60,
    )


async def _admin(sql: str) -> None:
    conn = await asyncpg.connect(PG_ADMIN_URL)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@pytest.fixture
def names(installed_services: dict[str, Any]) -> Iterator[dict[str, str]]:
    """A unique database/role name per installed service; dropped afterwards."""
    run = uuid.uuid4().hex[:8]
    chosen = {service: f"zz_deploy_{run}_{service}" for service in installed_services}
    yield chosen
    for name in chosen.values():
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        asyncio.run(_admin(f'DROP ROLE IF EXISTS "{name}"'))


def _url(role: str, database: str) -> str:
    return str(
        ADMIN.set(
            drivername="postgresql+asyncpg", username=role, password=PASSWORD, database=database
        ).render_as_string(hide_password=False)
    )


async def _connect(role: str, database: str) -> asyncpg.Connection:
    return await asyncpg.connect(_url(role, database).replace("+asyncpg", "", 1))


def test_script_defaults_match_compose(compose: dict[str, Any]) -> None:
    text = SCRIPT.read_text()
    compose_list = compose["services"]["postgres"]["environment"]["SERVICE_DATABASES"]
    assert f': "${{SERVICE_DATABASES:={compose_list}}}"' in text


async def test_databases_are_isolated_and_migratable(
    psql_env: dict[str, str], names: dict[str, str], installed_services: dict[str, Any]
) -> None:
    result = await asyncio.to_thread(_run_script, psql_env, list(names.values()))
    assert result.returncode == 0, result.stderr
    # Idempotent: running it again (after adding a service) changes nothing and does not fail.
    again = await asyncio.to_thread(_run_script, psql_env, list(names.values()))
    assert again.returncode == 0, again.stderr

    # Each service's own role runs that service's migrations in its own database, as it does
    # when it starts under docker compose (a process per service, as there).
    for service, name in names.items():
        migrated = await asyncio.to_thread(
            subprocess.run,
            [
                sys.executable,
                "-c",
                MIGRATE,
                _url(name, name),
                installed_services[service].migrations or "",
            ],
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert migrated.returncode == 0, f"{service}: {migrated.stderr}"

    # ... and cannot even connect to another service's database.
    first, second = list(names.values())[:2]
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        await _connect(first, second)
    conn = await _connect(first, first)
    try:
        assert await conn.fetchval("SELECT current_user") == first
    finally:
        await conn.close()


def test_script_refuses_a_bad_name(psql_env: dict[str, str]) -> None:
    result = _run_script(psql_env, ['x"; DROP ROLE postgres; --'])
    assert result.returncode != 0
    assert "invalid database name" in result.stderr
