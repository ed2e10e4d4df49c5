"""The hand-written migrations build exactly the tables the models describe, on both databases,
and upgrading a database an older release left keeps what it holds."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import text

from ideapaja_notification.app import service
from ideapaja_notification.db.models import NotificationBase
from ideapaja_runtime.testing import migrated_database
from ideapaja_runtime.testing_migrations import schema_differences


async def test_migrated_schema_matches_the_models(database_url: str) -> None:
    async with migrated_database(database_url, service.migrations) as db:
        await db.migrate(service.migrations)  # a second start changes nothing
        async with db.engine.connect() as conn:
            assert await conn.run_sync(schema_differences, NotificationBase.metadata) == []


async def test_upgrading_from_0005_keeps_contacts_ideas_and_deliveries(database_url: str) -> None:
    """What an older release stored stays; the new columns are unknown (NULL) until HR, intake
    or a new message fills them in."""
    at = datetime(2025, 5, 1, tzinfo=UTC)
    async with migrated_database(database_url, service.migrations, to="notification_0005") as db:
        async with db.engine.begin() as conn:
            await conn.execute(
                text(
                    "INSERT INTO contacts (person_id, display_name, email, language, updated_at) "
                    "VALUES ('p-1', 'Åsa', 'asa@vaasa.example', 'sv', :at)"
                ),
                {"at": at},
            )
            await conn.execute(
                text(
                    "INSERT INTO ideas (idea_id, title, author_ids, language, revision, "
                    "updated_at) VALUES ('i-1', 'T', '[\"p-1\"]', 'fi', 1, :at)"
                ),
                {"at": at},
            )
            await conn.execute(
                text(
                    "INSERT INTO deliveries (id, cause_event_id, cause_event_type, person_id, "
                    "channel, template, language, address, subject, body, status, attempts, "
                    "next_attempt_at, created_at) VALUES ('d-1', 'e-1', 't', 'p-1', 'email', "
                    "'idea_accepted', 'sv', 'asa@vaasa.example', 'S', 'B', 'sent', 1, :at, :at)"
                ),
                {"at": at},
            )
        await db.migrate(service.migrations)
        async with db.engine.connect() as conn:
            contact = (await conn.execute(text("SELECT roles, unit_id FROM contacts"))).one()
            idea = (await conn.execute(text("SELECT unit_id, title FROM ideas"))).one()
            delivery = (await conn.execute(text("SELECT body, html FROM deliveries"))).one()
            items = await conn.scalar(text("SELECT count(*) FROM inbox_items"))
        assert (tuple(contact), tuple(idea), tuple(delivery), items) == (
            (None, None),
            (None, "T"),
            ("B", None),
            0,
        )
