"""The hand-written migrations build exactly the tables the models describe, on both databases,
and upgrading a database an older release left keeps what it holds: grants through 0004
(awards), ideas through 0005 (activity indexes, periodic award rounds)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import text

from ideapaja_reward.app import service
from ideapaja_reward.db.models import RewardBase
from ideapaja_runtime.db import RUNTIME_MIGRATIONS, RUNTIME_VERSION_TABLE, Database, run_migrations
from ideapaja_runtime.testing_migrations import schema_differences, upgrade_to


async def test_migrated_schema_matches_the_models(database_url: str) -> None:
    db = Database(database_url)
    try:
        await db.migrate(service.migrations)
        await db.migrate(service.migrations)  # a second start changes nothing
        async with db.engine.connect() as conn:
            assert await conn.run_sync(schema_differences, RewardBase.metadata) == []
    finally:
        await db.dispose()


async def test_upgrading_from_0002_keeps_grants_and_ideas(database_url: str) -> None:
    db = Database(database_url)
    try:
        await run_migrations(db.engine, RUNTIME_MIGRATIONS, RUNTIME_VERSION_TABLE)
        async with db.engine.begin() as conn:
            await conn.run_sync(upgrade_to, service.migrations, "reward_0002")
            await conn.execute(
                text(
                    "INSERT INTO reward_grants (grant_id, idea_id, person_id, origin, kind, "
                    "amount_cents, currency, points, reason, ledger_entry_id, cause_event_id, "
                    "granted_at) VALUES ('g-old', 'i-old', 'p-1', 'rule:accepted', 'points', 0, "
                    "NULL, 50, 'Idea accepted', 'pe-old', 'e-1', :at)"
                ),
                {"at": datetime(2025, 5, 1, tzinfo=UTC)},
            )
            await conn.execute(
                text(
                    "INSERT INTO reward_ideas (idea_id, title, unit_id, author_ids, anonymous, "
                    "submitted_at) VALUES ('i-old', 't', 'u-1', '[\"p-1\"]', false, :at)"
                ),
                {"at": datetime(2025, 5, 1, tzinfo=UTC)},
            )
        await db.migrate(service.migrations)
        async with db.engine.connect() as conn:
            row = (
                (await conn.execute(text("SELECT points, unit_id, taxable FROM reward_grants")))
                .mappings()
                .one()
            )
            assert await conn.scalar(text("SELECT count(*) FROM reward_ideas")) == 1
            assert await conn.scalar(text("SELECT count(*) FROM reward_award_rounds")) == 0
        assert (row["points"], row["unit_id"], row["taxable"]) == (50, None, None)
    finally:
        await db.dispose()
