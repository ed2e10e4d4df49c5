"""The hand-written migrations build exactly the tables the models describe, on both databases,
and upgrading a database an older release left keeps what it holds: the ledger from before rule
versions keeps working after 0003, grants through 0004 (awards), ideas through 0005 (activity
indexes, periodic award rounds)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from reward_testkit import decided, grants, handle, ledger_entries, submitted
from sqlalchemy import text

from ideapaja_reward.app import service
from ideapaja_reward.db.models import RewardBase
from ideapaja_reward.domain import RuleSet, entry_id, grant_id
from ideapaja_reward.handlers import RewardHandlers
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


async def test_entries_from_before_0003_keep_their_source_and_are_not_paid_again(
    database_url: str,
) -> None:
    db = Database(database_url)
    try:
        await db.migrate(service.migrations, to="reward_0001")
        async with db.transaction() as session:
            await _insert_0001_award(session)
        await db.migrate(service.migrations)

        [old] = await ledger_entries(db)
        assert old.source_key == "i-old|p-1001|submitted"
        assert (old.rule_version, old.capped_from, old.person_id) == (None, None, "p-1001")

        # The idea's submission replayed, then its acceptance: the old award is recognised.
        handlers = RewardHandlers(RuleSet.default())
        event = submitted("i-old", authors=["p-1001"])
        await handle(db, handlers.on_idea_submitted, event)
        await handle(db, handlers.on_review_decided, decided("i-old"))
        entries = sorted((e.rule, e.points, e.rule_version) for e in await ledger_entries(db))
        assert entries == [("accepted", 50, 1), ("submitted", 5, None)]
        assert len(await grants(db)) == 2
    finally:
        await db.dispose()


async def _insert_0001_award(session: Any) -> None:
    """An idea, its submission's ledger entry and grant, as 0001 stored them."""
    now = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
    stamp = now if session.get_bind().dialect.name == "postgresql" else now.replace(tzinfo=None)
    values = {
        "t": stamp,
        "entry": entry_id("i-old", "p-1001", "submitted"),
        "grant": grant_id("i-old", "p-1001", "submitted"),
    }
    for statement in [
        "INSERT INTO reward_ideas (idea_id, title, unit_id, author_ids, anonymous, submitted_at)"
        " VALUES ('i-old', 'Vanha idea', 'u-kirjasto', '[\"p-1001\"]', false, :t)",
        "INSERT INTO points_ledger (entry_id, idea_id, person_id, unit_id, rule, points, reason,"
        " cause_event_id, occurred_at, created_at) VALUES (:entry, 'i-old', 'p-1001',"
        " 'u-kirjasto', 'submitted', 5, 'Idea submitted', 'e-1', :t, :t)",
        "INSERT INTO reward_grants (grant_id, idea_id, person_id, origin, kind, amount_cents,"
        " points, reason, ledger_entry_id, cause_event_id, granted_at) VALUES (:grant, 'i-old',"
        " 'p-1001', 'rule:submitted', 'points', 0, 5, 'Idea submitted', :entry, 'e-1', :t)",
    ]:
        await session.execute(text(statement), values)
