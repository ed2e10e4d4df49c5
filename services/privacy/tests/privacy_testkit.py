"""Builders and probes shared by the privacy service's tests."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from ideapaja_contracts import Event, encode
from ideapaja_contracts.events.hr import PersonLeft, PersonUpserted
from ideapaja_privacy.db.models import AuditRow, ErasureRow, PersonRow
from ideapaja_privacy.settings import PrivacySettings
from ideapaja_runtime.db import Database
from ideapaja_runtime.outbox import Outbox, outbox_table
from ideapaja_runtime.testing import context_in, fast_test_settings

SOURCE = "/ideapaja/privacy"


def at(day: str, hour: int = 12) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


def upserted(person_id: str = "p-1003", **overrides: Any) -> PersonUpserted:
    values: dict[str, Any] = {
        "person_id": person_id,
        "unit_id": "u-kirjasto",
        "display_name": "Leena Korhonen",
        "email": "leena.korhonen@kuusijarvi.example",
        "language": "fi",
        "roles": ["employee"],
    }
    values.update(overrides)
    return PersonUpserted(**values)


def left(person_id: str = "p-1003", left_on: str = "2024-06-30") -> PersonLeft:
    return PersonLeft(person_id=person_id, left_on=left_on)


def privacy_settings(**overrides: Any) -> PrivacySettings:
    values = fast_test_settings(sweep_seconds=0)
    values.update(overrides)
    return PrivacySettings.model_validate(values)


async def handle(db: Database, handler: Any, event: Event, *, time: datetime) -> None:
    """Run ``handler`` the way the consumer does: in one transaction, with an envelope whose
    ce-time is ``time`` (the HR event time handlers compare)."""
    envelope = encode(event, source="/hr", time=time).envelope
    async with db.transaction() as session:
        await handler(event, context_in(session, envelope, outbox=Outbox(SOURCE)))


async def hr_sent(db: Database, *person_ids: str, time: datetime | None = None) -> None:
    """HR's records of ``person_ids`` have reached the privacy service (an erasure is only
    accepted for people HR has sent)."""
    from ideapaja_privacy.handlers import on_person_upserted

    for person_id in person_ids:
        await handle(db, on_person_upserted, upserted(person_id), time=time or at("2024-01-01"))


async def person(db: Database, person_id: str = "p-1003") -> PersonRow | None:
    async with db.transaction() as session:
        return await session.get(PersonRow, person_id)


async def erasure_rows(db: Database) -> list[ErasureRow]:
    async with db.transaction() as session:
        found = await session.scalars(select(ErasureRow).order_by(ErasureRow.requested_at))
        return list(found.all())


async def audit_rows(db: Database) -> list[AuditRow]:
    async with db.transaction() as session:
        return list((await session.scalars(select(AuditRow).order_by(AuditRow.seq))).all())


async def outbox_events(db: Database) -> list[tuple[str, dict[str, Any]]]:
    """(ce-type, body) of every event in the outbox, oldest first."""
    async with db.transaction() as session:
        rows = (await session.execute(select(outbox_table).order_by(outbox_table.c.seq))).all()
    return [(row.headers["ce-type"], json.loads(row.body)) for row in rows]
