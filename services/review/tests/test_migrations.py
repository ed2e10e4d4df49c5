"""The hand-written migrations build exactly the tables the models describe, on both databases,
and upgrading a database that already holds cases keeps them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import inspect, select, text
from sqlalchemy.engine import Connection

from ideapaja_review.app import service
from ideapaja_review.db.models import CaseRow, ReviewBase
from ideapaja_review.usecases.case_records import SEARCH_COLUMNS
from ideapaja_runtime.testing import migrated_database
from ideapaja_runtime.testing_migrations import schema_differences
from ideapaja_search import sql as ranking
from ideapaja_search.analysis import query_words
from ideapaja_search.reindex import fts_tables

# PostgreSQL-only search objects the models leave out (SQLite has no tsvector).
POSTGRES_ONLY = {"search_vector", "ix_review_cases_search_vector"}
# SQLite's FTS5 index over the same terms (migration 0010).
SQLITE_ONLY = fts_tables("review_cases")


def _differences(connection: Connection) -> list[Any]:
    return schema_differences(connection, ReviewBase.metadata, skip=POSTGRES_ONLY | SQLITE_ONLY)


async def test_migrated_schema_matches_the_models(database_url: str) -> None:
    async with migrated_database(database_url, service.migrations) as db:
        await db.migrate(service.migrations)  # a second start changes nothing
        async with db.engine.connect() as conn:
            assert await conn.run_sync(_differences) == []


async def test_upgrading_a_database_with_cases_keeps_them_and_their_history(
    database_url: str,
) -> None:
    async with migrated_database(database_url, service.migrations, to="review_0002") as db:
        opened = datetime(2025, 1, 2, tzinfo=UTC)
        due = datetime(2025, 1, 16, tzinfo=UTC)
        async with db.engine.begin() as conn:
            await conn.execute(
                text(
                    "INSERT INTO review_cases (case_id, idea_id, title, problem, solution, "
                    "benefit, scope, unit_id, language, anonymous, author_ref, author_ids, state, "
                    "routed, opened_at, screening_due_at) VALUES ('c-old', 'i-old', 't', 'p', "
                    "'s', '', 'city', 'u-x', 'fi', false, 'a-1', '[\"p-1\"]', 'screening', true, "
                    ":opened, :due)"
                ),
                {"opened": opened, "due": due},
            )
            await conn.execute(
                text("INSERT INTO case_reviewers (case_id, person_id) VALUES ('c-old', 'p-r')")
            )
            await conn.execute(
                text(
                    "INSERT INTO case_history (case_id, occurred_at, action, to_state) "
                    "VALUES ('c-old', :opened, 'opened', 'screening')"
                ),
                {"opened": opened},
            )
        await db.migrate(service.migrations)
        async with db.engine.connect() as conn:
            row = (
                (
                    await conn.execute(
                        text(
                            "SELECT round, step_seq, escalation_level, appealed, due_at, "
                            "step_entered_at FROM review_cases WHERE case_id = 'c-old'"
                        )
                    )
                )
                .mappings()
                .one()
            )
            source = await conn.scalar(text("SELECT source FROM case_reviewers"))
            history = await conn.scalar(text("SELECT count(*) FROM case_history"))
        assert (row["round"], row["step_seq"], row["escalation_level"]) == (1, 1, 2)
        assert not row["appealed"]
        assert row["due_at"] is not None and row["step_entered_at"] is not None
        assert (source, history) == ("routing", 1)


async def test_list_keyset_indexes_are_added_to_a_database_at_0003(database_url: str) -> None:
    """0004_list_keysets upgrades a database that stopped at 0003, on SQLite and
    PostgreSQL, and adds the indexes the pages are read in."""
    async with migrated_database(database_url, service.migrations, to="review_0003") as db:
        async with db.engine.begin() as conn:
            assert "ix_review_cases_opened" not in await conn.run_sync(_indexes, "review_cases")
        await db.migrate(service.migrations)
        async with db.engine.connect() as conn:
            version = await conn.scalar(text("SELECT version_num FROM alembic_version"))
            found = {
                table: await conn.run_sync(_indexes, table)
                for table in ("review_cases", "experiments", "practices", "meetings")
            }
        assert version == "review_0010"
        assert found["review_cases"]["ix_review_cases_opened"] == ["opened_at", "case_id"]
        assert found["review_cases"]["ix_review_cases_state_case"] == [
            "state",
            "case_id",
            "due_at",
        ]
        assert found["review_cases"]["ix_review_cases_idea_opened"] == [
            "idea_id",
            "opened_at",
            "decision",
            "case_id",
        ]
        assert found["experiments"]["ix_experiments_started"] == ["started_at", "experiment_id"]
        assert found["practices"]["ix_practices_published"] == ["published_at", "practice_id"]
        assert found["meetings"]["ix_meetings_committee_scheduled"] == [
            "committee_id",
            "scheduled_at",
            "meeting_id",
        ]


def _indexes(connection: Connection, table: str) -> dict[str, list[str]]:
    return {
        index["name"]: list(index["column_names"])
        for index in inspect(connection).get_indexes(table)
        if index["name"]
    }


async def test_0006_indexes_existing_cases_for_search(database_url: str) -> None:
    """A case opened before the work list could search is found by its lemmas after 0006."""
    async with migrated_database(database_url, service.migrations, to="review_0005") as db:
        async with db.engine.begin() as conn:
            await conn.execute(
                text(
                    "INSERT INTO review_cases (case_id, idea_id, title, problem, solution, "
                    "benefit, scope, unit_id, language, anonymous, author_ref, author_ids, state, "
                    "routed, opened_at, screening_due_at) VALUES ('c-old', 'i-old', "
                    "'Melu päiväkodissa', 'p', 's', '', 'city', 'u-x', 'fi', false, 'a-1', "
                    "'[\"p-1\"]', 'screening', true, :opened, :opened)"
                ),
                {"opened": datetime(2025, 1, 2, tzinfo=UTC)},
            )
        await db.migrate(service.migrations)
        async with db.transaction() as session:
            dialect = session.get_bind().dialect.name
            for query, tier in (("päiväkodeissa", 0), ("koti", 1)):
                tiers, _ = ranking.tiers(dialect, SEARCH_COLUMNS, query_words(query))
                found = (await session.scalars(select(CaseRow.case_id).where(tiers[tier]))).all()
                assert found == ["c-old"], query


async def test_0007_adds_the_deadline_reminders_unique_per_step_and_level(
    database_url: str,
) -> None:
    """A database at 0006 gets the reminders' table, whose unique key keeps reminders once."""
    async with migrated_database(database_url, service.migrations, to="review_0006") as db:
        async with db.engine.begin() as conn:
            assert "deadline_warnings" not in await conn.run_sync(_tables)
        await db.migrate(service.migrations)
        async with db.engine.connect() as conn:
            assert "deadline_warnings" in await conn.run_sync(_tables)
            unique = await conn.run_sync(_unique_keys, "deadline_warnings")
        assert unique == [["case_id", "step", "step_seq", "level"]]


def _tables(connection: Connection) -> list[str]:
    return list(inspect(connection).get_table_names())


def _unique_keys(connection: Connection, table: str) -> list[list[str]]:
    return [list(u["column_names"]) for u in inspect(connection).get_unique_constraints(table)]
