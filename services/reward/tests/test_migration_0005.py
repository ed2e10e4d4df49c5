"""Migration reward_0005 (activity indexes, periodic award rounds) builds what the models
describe on both databases, and upgrading a database at reward_0002 keeps its ideas."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.engine import Connection

from ideapaja_reward.app import service
from ideapaja_reward.db.models import RewardBase
from ideapaja_runtime.db import RUNTIME_MIGRATIONS, RUNTIME_VERSION_TABLE, Database, run_migrations

NOT_OURS = {"outbox", "inbox", "alembic_version", "ideapaja_runtime_version"}


def _ours(name: str | None, type_: str, parent_names: dict[str, Any]) -> bool:
    table = name if type_ == "table" else parent_names.get("table_name")
    return table not in NOT_OURS


def _differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(
        connection, opts={"compare_type": True, "include_name": _ours}
    )
    return list(compare_metadata(context, RewardBase.metadata))


def _upgrade_to(connection: Connection, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(service.migrations))
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


async def test_migrated_schema_matches_the_models(database_url: str) -> None:
    db = Database(database_url)
    try:
        await db.migrate(service.migrations)
        await db.migrate(service.migrations)  # a second start changes nothing
        async with db.engine.connect() as conn:
            assert await conn.run_sync(_differences) == []
    finally:
        await db.dispose()


async def test_upgrading_from_0002_keeps_the_ideas(database_url: str) -> None:
    db = Database(database_url)
    try:
        await run_migrations(db.engine, RUNTIME_MIGRATIONS, RUNTIME_VERSION_TABLE)
        async with db.engine.begin() as conn:
            await conn.run_sync(_upgrade_to, "reward_0002")
            await conn.execute(
                text(
                    "INSERT INTO reward_ideas (idea_id, title, unit_id, author_ids, anonymous, "
                    "submitted_at) VALUES ('i-old', 't', 'u-1', '[\"p-1\"]', false, :at)"
                ),
                {"at": datetime(2025, 5, 1, tzinfo=UTC)},
            )
        await db.migrate(service.migrations)
        async with db.engine.connect() as conn:
            assert await conn.scalar(text("SELECT count(*) FROM reward_ideas")) == 1
            assert await conn.scalar(text("SELECT count(*) FROM reward_award_rounds")) == 0
    finally:
        await db.dispose()
