"""A service whose database is at head starts without Alembic; any other migrates as before."""

from __future__ import annotations

import glob
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory

from ideapaja_runtime import migration_heads
from ideapaja_runtime.db import RUNTIME_MIGRATIONS, RUNTIME_VERSION_TABLE, Database
from ideapaja_runtime.migration_heads import script_heads

ROOT = Path(__file__).resolve().parents[2]
EVERY_MIGRATIONS = [RUNTIME_MIGRATIONS] + [
    Path(found) for found in sorted(glob.glob(str(ROOT / "services/*/src/*/db/migrations")))
]
REVIEW = ROOT / "services/review/src/ideapaja_review/db/migrations"


@pytest.mark.parametrize("location", EVERY_MIGRATIONS, ids=lambda p: p.parts[-3])
def test_heads_are_alembics(location: Path) -> None:
    config = Config()
    config.set_main_option("script_location", str(location))
    assert script_heads(location) == frozenset(ScriptDirectory.from_config(config).get_heads())


@pytest.fixture
def upgrades(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every ``alembic upgrade`` run (each still runs)."""
    seen: list[str] = []
    real = command.upgrade

    def upgrade(config: Config, revision: str, **kwargs: Any) -> None:
        seen.append(str(config.get_main_option("script_location")))
        real(config, revision, **kwargs)

    monkeypatch.setattr(command, "upgrade", upgrade)
    return seen


async def test_a_database_at_head_is_not_migrated_again(
    database_url: str, upgrades: list[str]
) -> None:
    db = Database(database_url)
    try:
        await db.migrate(REVIEW)
        assert len(upgrades) == 2  # a fresh database: the runtime's and the service's
        await db.migrate(REVIEW)
        assert len(upgrades) == 2  # at head: nothing ran
    finally:
        await db.dispose()


async def test_a_database_behind_head_is_migrated(database_url: str, upgrades: list[str]) -> None:
    db = Database(database_url)
    try:
        await db.migrate(REVIEW, to="review_0008")
        await db.migrate(REVIEW)
        assert upgrades[-1] == str(REVIEW)
        async with db.transaction() as session:
            versions = (await session.execute(_versions("alembic_version"))).scalars().all()
            runtime = (await session.execute(_versions(RUNTIME_VERSION_TABLE))).scalars().all()
        assert set(versions) == script_heads(REVIEW)
        assert set(runtime) == script_heads(RUNTIME_MIGRATIONS)
    finally:
        await db.dispose()


def _versions(table: str) -> Any:
    from sqlalchemy import column, select
    from sqlalchemy import table as table_

    return select(column("version_num")).select_from(table_(table))


def _write(versions: Path, name: str, text: str) -> None:
    versions.mkdir(parents=True, exist_ok=True)
    (versions / name).write_text(text)


def test_what_cannot_be_told_for_certain_is_left_to_alembic(tmp_path: Path) -> None:
    def heads(files: dict[str, str]) -> frozenset[str] | None:
        location = tmp_path / f"m{len(list(tmp_path.iterdir()))}"
        for name, text in files.items():
            _write(location / "versions", name, text)
        migration_heads.script_heads.cache_clear()
        return script_heads(location)

    first = 'revision = "a"\ndown_revision = None\n'
    assert heads({"1.py": first, "2.py": 'revision = "b"\ndown_revision = "a"\n'}) == {"b"}
    # Two branches and their merge (a tuple), annotated as Alembic's template writes them.
    merged = {
        "1.py": first,
        "2.py": 'revision: str = "b"\ndown_revision: str | None = "a"\n',
        "3.py": 'revision = "c"\ndown_revision = "a"\n',
        "4.py": 'revision = "d"\ndown_revision = ("b", "c")\n',
    }
    assert heads(merged) == {"d"}
    assert heads({**merged, "5.py": 'revision = "e"\ndown_revision = "b"\n'}) == {"d", "e"}
    # Computed, labelled, depending or missing: Alembic's answer, not a guess.
    assert heads({"1.py": 'revision = "a" + "b"\ndown_revision = None\n'}) is None
    assert heads({"1.py": 'revision = "a"\ndown_revision = None\nbranch_labels = ("x",)\n'}) is None
    assert heads({"1.py": 'revision = "a"\ndown_revision = None\ndepends_on = "z"\n'}) is None
    assert heads({"1.py": "down_revision = None\n"}) is None
    assert heads({"1.py": 'revision = "b"\ndown_revision = "gone"\n'}) is None
    assert heads({"1.py": "revision = (\n"}) is None
    assert heads({}) is None
