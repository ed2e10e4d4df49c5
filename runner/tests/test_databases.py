"""`ideapaja up --database-url`: every service on PostgreSQL, each in a database of its own."""

from __future__ import annotations

import asyncio
import os
import uuid
from pathlib import Path

import httpx
import pytest
from runner_testkit import Up, cli_exit

from ideapaja_runner.databases import DatabaseUrlError, ensure_databases, service_database_url
from ideapaja_runner.state import StateDir
from ideapaja_runtime.testing import drop_pg_database, free_port, postgres_available

ECHO_DIST = Path(__file__).parent / "echo_service_dist"
PG = "postgresql+asyncpg://postgres@127.0.0.1:5432"

needs_postgres = pytest.mark.skipif(
    not postgres_available() and not os.environ.get("CI"),
    reason="no PostgreSQL on 127.0.0.1:5432",
)


def test_each_service_gets_its_own_database_named_after_it(tmp_path: Path) -> None:
    state = StateDir.at(tmp_path)
    assert (
        service_database_url(None, state, "intake") == f"sqlite+aiosqlite:///{tmp_path}/intake.db"
    )
    base = "postgresql+asyncpg://ideapaja:s%40ları@db.example:5433/ideapaja"
    assert service_database_url(base, state, "intake") == (
        "postgresql+asyncpg://ideapaja:s%40lar%C4%B1@db.example:5433/ideapaja_intake"
    )
    assert service_database_url(base, state, "hr-adapter").endswith("/ideapaja_hr_adapter")


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("sqlite+aiosqlite:///x.db", "must be a PostgreSQL URL"),
        ("postgresql+asyncpg://postgres@127.0.0.1:5432", "needs a database name"),
        ("not a url", "--database-url"),
        (f"{PG}/{'x' * 60}", "longer than 63"),
    ],
)
def test_a_database_url_that_cannot_work_is_refused(tmp_path: Path, url: str, says: str) -> None:
    with pytest.raises(DatabaseUrlError, match=says):
        service_database_url(url, StateDir.at(tmp_path), "notification")


def test_up_refuses_it_before_starting_anything(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = cli_exit(["up", "--state-dir", str(tmp_path), "--database-url", "mysql://x/y"])
    assert code == 2
    assert "must be a PostgreSQL URL" in capsys.readouterr().err
    assert not (tmp_path / "nats").exists()


@needs_postgres
def test_missing_databases_are_created_once() -> None:
    prefix = f"ideapaja_runner_{uuid.uuid4().hex[:8]}"
    urls = [f"{PG}/{prefix}_a", f"{PG}/{prefix}_b"]
    try:
        assert asyncio.run(ensure_databases(urls)) == [f"{prefix}_a", f"{prefix}_b"]
        assert asyncio.run(ensure_databases(urls)) == []
    finally:
        for suffix in ("a", "b"):
            drop_pg_database(f"{prefix}_{suffix}")


@pytest.mark.e2e
@needs_postgres
def test_up_runs_a_service_on_its_own_postgresql_database(tmp_path: Path, ups: list[Up]) -> None:
    prefix = f"ideapaja_runner_{uuid.uuid4().hex[:8]}"
    http_port = free_port()
    pythonpath = os.pathsep.join(filter(None, [str(ECHO_DIST), os.environ.get("PYTHONPATH")]))
    try:
        up = Up(
            ["--state-dir", str(tmp_path / "state"), "--only", "runnerecho",
             "--port", f"runnerecho={http_port}", "--nats-port", str(free_port()),
             "--smtp-port", str(free_port()), "--mail-port", str(free_port()),
             "--issuer-port", str(free_port()), "--database-url", f"{PG}/{prefix}"],
            env={"PYTHONPATH": pythonpath},
        )  # fmt: skip
        ups.append(up)
        up.wait_for("Stop with Ctrl-C.", timeout=90)
        assert f"PostgreSQL databases created: {prefix}_runnerecho" in up.output
        seen = httpx.get(f"http://127.0.0.1:{http_port}/echo/settings").json()
        assert seen["database_url"] == f"{PG}/{prefix}_runnerecho"
        assert not (tmp_path / "state" / "runnerecho.db").exists()
        # Ready means migrated: the runtime's own tables are in the service's database.
        assert asyncio.run(_tables(f"{prefix}_runnerecho")) >= {"ideapaja_runtime_version"}
        assert up.stop() == 0
    finally:
        drop_pg_database(f"{prefix}_runnerecho")


async def _tables(database: str) -> set[str]:
    import asyncpg

    connection = await asyncpg.connect(f"postgresql://postgres@127.0.0.1:5432/{database}")
    try:
        rows = await connection.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        return {row["tablename"] for row in rows}
    finally:
        await connection.close()
