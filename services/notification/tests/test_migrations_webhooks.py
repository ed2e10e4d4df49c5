"""Migration 0010 adds the webhook tables to a database an older release left, keeping what
it holds, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import text

from ideapaja_notification.app import service
from ideapaja_runtime.testing import migrated_database


async def test_upgrading_from_0008_adds_empty_webhook_tables_and_keeps_deliveries(
    database_url: str,
) -> None:
    at = datetime(2026, 5, 1, tzinfo=UTC)
    async with migrated_database(database_url, service.migrations, to="notification_0008") as db:
        async with db.engine.begin() as conn:
            await conn.execute(
                text(
                    "INSERT INTO deliveries (id, cause_event_id, cause_event_type, person_id, "
                    "channel, template, language, address, subject, body, html, status, "
                    "attempts, next_attempt_at, created_at) VALUES ('d-1', 'e-1', 't', 'p-1', "
                    "'email', 'idea_accepted', 'sv', 'a@vaasa.example', 'S', 'B', '<p>B</p>', "
                    "'sent', 1, :at, :at)"
                ),
                {"at": at},
            )
        await db.migrate(service.migrations)
        async with db.engine.connect() as conn:
            kept = (await conn.execute(text("SELECT body, html FROM deliveries"))).one()
            endpoints = await conn.scalar(text("SELECT count(*) FROM webhook_endpoints"))
            sent = await conn.scalar(text("SELECT count(*) FROM webhook_deliveries"))
        assert (tuple(kept), endpoints, sent) == (("B", "<p>B</p>"), 0, 0)
