"""The hand-written migrations build exactly the tables the models describe, on both databases."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Connection

from ideapaja_intake.app import service
from ideapaja_intake.db.models import IntakeBase
from ideapaja_runtime.db import Database

NOT_OURS = {"outbox", "inbox", "alembic_version", "ideapaja_runtime_version"}


def _ours(name: str | None, type_: str, parent_names: dict[str, Any]) -> bool:
    table = name if type_ == "table" else parent_names.get("table_name")
    return table not in NOT_OURS


def _differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(
        connection, opts={"compare_type": True, "include_name": _ours}
    )
    return list(compare_metadata(context, IntakeBase.metadata))


async def test_migrated_schema_matches_the_models(database_url: str) -> None:
    db = Database(database_url)
    try:
        await db.migrate(service.migrations)
        await db.migrate(service.migrations)  # a second start changes nothing
        async with db.engine.connect() as conn:
            assert await conn.run_sync(_differences) == []
    finally:
        await db.dispose()
