"""Requesting erasures (idempotent per person, racing requests), retention, the audit trail."""

from __future__ import annotations

import asyncio
from datetime import date

import pytest
from privacy_testkit import (
    at,
    audit_rows,
    erasure_rows,
    handle,
    hr_sent,
    left,
    outbox_events,
    person,
    upserted,
)
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError

from ideapaja_contracts.events.privacy import ErasureBasis, ErasureRequested
from ideapaja_privacy.domain.erasure import RETENTION_ACTOR, erasure_id
from ideapaja_privacy.handlers import on_person_left, on_person_upserted
from ideapaja_privacy.usecases import erasures
from ideapaja_runtime.db import Database
from ideapaja_runtime.outbox import Outbox

OUTBOX = Outbox("/ideapaja/privacy")
ERASURE = ErasureRequested.event_type()


async def _request(db: Database, person_id: str = "p-1003", by: str = "p-hr") -> erasures.Requested:
    if await person(db, person_id) is None:
        await hr_sent(db, person_id)
    return await erasures.request(
        db,
        OUTBOX,
        person_id=person_id,
        requested_by=by,
        reason="Tietosuojapyyntö TS-2025-014",
        basis=ErasureBasis.REQUEST,
        now=at("2025-03-01"),
    )


async def test_a_request_emits_one_event_and_a_second_returns_the_first(
    privacy_db: Database,
) -> None:
    first = await _request(privacy_db)
    again = await _request(privacy_db, by="p-admin")
    assert first.created and not again.created
    assert again.erasure.erasure_id == first.erasure.erasure_id == erasure_id("p-1003", 1)

    [(ce_type, body)] = await outbox_events(privacy_db)
    assert ce_type == ERASURE
    assert body == {
        "erasure_id": first.erasure.erasure_id,
        "person_id": "p-1003",
        "requested_by": "p-hr",
        "reason": "Tietosuojapyyntö TS-2025-014",
        "basis": "request",
    }
    actions = [(a.actor_id, a.action, a.person_id) for a in await audit_rows(privacy_db)]
    assert actions == [
        ("p-hr", "erasure.requested", "p-1003"),
        ("p-admin", "erasure.request_repeated", "p-1003"),
    ]


async def test_racing_requests_for_one_person_make_one_erasure(privacy_db: Database) -> None:
    await hr_sent(privacy_db, "p-1003")
    results = await asyncio.gather(*(_request(privacy_db, by=f"p-hr{i}") for i in range(6)))
    assert sum(r.created for r in results) == 1
    assert len({r.erasure.erasure_id for r in results}) == 1
    assert len(await erasure_rows(privacy_db)) == 1
    assert [t for t, _ in await outbox_events(privacy_db)] == [ERASURE]


async def test_the_audit_log_is_append_only(privacy_db: Database) -> None:
    await _request(privacy_db)
    for statement in ("UPDATE privacy_audit SET actor_id = 'x'", "DELETE FROM privacy_audit"):
        with pytest.raises((DBAPIError, IntegrityError), match="append-only"):
            async with privacy_db.transaction() as session:
                await session.execute(text(statement))
    assert len(await audit_rows(privacy_db)) == 1


async def _left(db: Database, person_id: str, left_on: str) -> None:
    await handle(db, on_person_upserted, upserted(person_id), time=at("2020-01-01"))
    await handle(db, on_person_left, left(person_id, left_on), time=at(left_on))


async def test_retention_requests_exactly_those_whose_time_is_up(privacy_db: Database) -> None:
    await _left(privacy_db, "p-old", "2024-01-31")
    await _left(privacy_db, "p-due", "2024-03-01")
    await _left(privacy_db, "p-not-yet", "2024-03-02")
    await handle(privacy_db, on_person_upserted, upserted("p-stays"), time=at("2020-01-01"))
    await _request(privacy_db, "p-old")  # erased on request already

    async def sweep(day: str) -> list[str]:
        return await erasures.request_due(
            privacy_db,
            OUTBOX,
            today=date.fromisoformat(day),
            now=at(day),
            retention_days=365,
            batch_size=1,  # several rounds of the loop
        )

    assert await sweep("2025-02-28") == []
    assert await sweep("2025-03-01") == [erasure_id("p-due", 1)]
    assert await sweep("2025-03-01") == [], "requested once"
    assert await sweep("2025-03-02") == [erasure_id("p-not-yet", 1)]
    assert await sweep("2030-01-01") == []

    rows = {e.person_id: e for e in await erasure_rows(privacy_db)}
    assert set(rows) == {"p-old", "p-due", "p-not-yet"}
    due = rows["p-due"]
    assert (due.basis, due.requested_by) == ("retention", RETENTION_ACTOR)
    assert due.reason == "retention: left on 2024-03-01, 365 days passed"
    bodies = [body for _, body in await outbox_events(privacy_db)]
    assert [b["basis"] for b in bodies] == ["request", "retention", "retention"]


async def test_a_re_hired_person_is_not_erased_by_retention(privacy_db: Database) -> None:
    await _left(privacy_db, "p-back", "2024-01-31")
    await handle(privacy_db, on_person_upserted, upserted("p-back"), time=at("2024-06-01"))
    requested = await erasures.request_due(
        privacy_db, OUTBOX, today=date(2030, 1, 1), now=at("2030-01-01"), retention_days=365
    )
    assert requested == []


async def test_replicas_sweeping_at_once_request_each_erasure_once(
    privacy_db: Database,
) -> None:
    for index in range(12):
        await _left(privacy_db, f"p-{index}", "2024-01-01")

    async def replica() -> list[str]:
        return await erasures.request_due(
            privacy_db,
            OUTBOX,
            today=date(2025, 6, 1),
            now=at("2025-06-01"),
            retention_days=365,
            batch_size=5,
        )

    results = await asyncio.gather(*(replica() for _ in range(3)))
    requested = [e for found in results for e in found]
    assert sorted(requested) == sorted(erasure_id(f"p-{i}", 1) for i in range(12))
    assert len(await erasure_rows(privacy_db)) == 12
    assert len(await outbox_events(privacy_db)) == 12
