"""The hand-written migrations build exactly the tables the models describe, on both databases."""

from __future__ import annotations

from ideapaja_notification.app import service
from ideapaja_notification.db.models import NotificationBase
from ideapaja_runtime.db import Database
from ideapaja_runtime.testing_migrations import schema_differences


async def test_migrated_schema_matches_the_models(database_url: str) -> None:
    db = Database(database_url)
    try:
        await db.migrate(service.migrations)
        await db.migrate(service.migrations)  # a second start changes nothing
        async with db.engine.connect() as conn:
            assert await conn.run_sync(schema_differences, NotificationBase.metadata) == []
    finally:
        await db.dispose()
