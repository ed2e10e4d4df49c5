"""The hand-written migrations build exactly the tables the models describe, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import Connection

from ideapaja_intake.app import service
from ideapaja_intake.db.models import Idea, IdeaVersion, IntakeBase
from ideapaja_intake.db.search import search_condition
from ideapaja_runtime.db import Database
from ideapaja_runtime.testing import migrated_database
from ideapaja_runtime.testing_migrations import schema_differences
from ideapaja_search.reindex import fts_tables

# PostgreSQL-only search objects the models leave out (SQLite has no tsvector or trigram index).
POSTGRES_ONLY = {"search_vector", "ix_ideas_search_vector", "ix_ideas_title_trgm"}
# SQLite's FTS5 index over the same terms (migration 0008): the virtual table and its own tables.
SQLITE_ONLY = fts_tables("ideas")


def _differences(connection: Connection) -> list[Any]:
    return schema_differences(connection, IntakeBase.metadata, skip=POSTGRES_ONLY | SQLITE_ONLY)


async def test_migrated_schema_matches_the_models(database_url: str) -> None:
    async with migrated_database(database_url, service.migrations) as db:
        await db.migrate(service.migrations)  # a second start changes nothing
        async with db.engine.connect() as conn:
            assert await conn.run_sync(_differences) == []


async def test_postgresql_has_its_search_indexes(database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL only")
    async with (
        migrated_database(database_url, service.migrations) as db,
        db.engine.connect() as conn,
    ):
        indexes = set(
            (
                await conn.exec_driver_sql(
                    "SELECT indexname FROM pg_indexes WHERE tablename = 'ideas'"
                )
            ).scalars()
        )
        assert {"ix_ideas_search_vector", "ix_ideas_title_trgm"} <= indexes
        generated = await conn.exec_driver_sql(
            "SELECT is_generated FROM information_schema.columns "
            "WHERE table_name = 'ideas' AND column_name = 'search_vector'"
        )
        assert generated.scalar() == "ALWAYS"


async def test_ideas_from_before_0002_keep_their_text_as_version_1(database_url: str) -> None:
    db = Database(database_url)
    try:
        await _old_idea_at(db, "intake_0001")
        await db.migrate(service.migrations)
        async with db.transaction() as session:
            [version] = (await session.scalars(select(IdeaVersion))).all()
            idea = await session.get(Idea, "i-old")
            assert idea is not None
            assert (idea.benefit_kinds, idea.external, idea.support_count) == ([], False, 0)
        assert (version.idea_id, version.revision, version.edited_by, version.reason) == (
            "i-old",
            1,
            "p-1001",
            "submitted",
        )
        assert version.title == "Vanha idea"
    finally:
        await db.dispose()


async def _old_idea_at(db: Database, target: str) -> None:
    """The schema at ``target`` with one idea as 0001 stored it."""
    await db.migrate(service.migrations, to=target)
    async with db.transaction() as session:
        await insert_idea_0001(session)


async def insert_idea_0001(session: Any) -> None:
    """An idea as the 0001 schema stored it (only the columns it had)."""
    now = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
    stamp = now if session.get_bind().dialect.name == "postgresql" else now.replace(tzinfo=None)
    await session.execute(
        text(
            "INSERT INTO ideas (id, title, problem, solution, benefit, scope, unit_id, language,"
            " anonymous, channel, author_ref, revision, status, status_changed_at, created_at,"
            " submitted_at, rewarded) VALUES ('i-old', 'Vanha idea', 'p', 's', '', 'unit',"
            " 'u-kirjasto', 'fi', false, 'api', 'a-1', 1, 'submitted', :t, :t, :t, false)"
        ),
        {"t": stamp},
    )
    await session.execute(
        text(
            "INSERT INTO idea_authors (idea_id, person_id, kind, author_ref, added_at,"
            " confirmed_at) VALUES ('i-old', 'p-1001', 'submitter', 'a-1', :t, :t)"
        ),
        {"t": stamp},
    )


async def test_0007_reindexes_old_ideas_by_lemma(database_url: str) -> None:
    """An idea stored with 0006's suffix-stripped stems is found by its lemma after 0007."""
    db = Database(database_url)
    try:
        await _old_idea_at(db, "intake_0006")
        async with db.transaction() as session:
            await session.execute(
                text(
                    "UPDATE ideas SET title = 'Melu päiväkodissa', "
                    "search_terms = ' melu päiväkod ' WHERE id = 'i-old'"
                )
            )
        await db.migrate(service.migrations)
        async with db.transaction() as session:
            for query in ("päiväkoti", "päiväkodeissa", "koti"):
                condition = search_condition(session, query)
                assert condition is not None
                found = (await session.scalars(select(Idea.id).where(condition))).all()
                assert found == ["i-old"], query
            idea = await session.get(Idea, "i-old")
            assert idea is not None
            assert "päiväkoti" in idea.search_terms.split()
            assert idea.search_parts.split() == ["päivä", "koti"]
    finally:
        await db.dispose()
