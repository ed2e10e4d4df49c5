"""The retention sweep on a real NATS with a controlled clock, and HR records deleted later when
NATS refused the first time."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from privacy_testkit import at, erasure_rows, hr_sent, privacy_settings, upserted

from ideapaja_contracts.events.hr import PersonLeft
from ideapaja_contracts.events.privacy import ErasureBasis, ErasureRequested
from ideapaja_privacy.app import service
from ideapaja_privacy.domain.erasure import erasure_id
from ideapaja_privacy.sweeper import run_sweep
from ideapaja_privacy.usecases import erasures
from ideapaja_runtime.db import Database
from ideapaja_runtime.outbox import Outbox
from ideapaja_runtime.testing import (
    DevKeys,
    eventually,
    publish_event,
    running_service,
    stream_messages,
)
from ideapaja_runtime.testing_builders import wiring

ERASURE = ErasureRequested.event_type()


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


async def test_retention_erases_a_person_a_year_after_leaving(
    nats_url: str, sqlite_url: str, dev_keys: DevKeys, js: Any
) -> None:
    settings = privacy_settings(
        **wiring(nats_url, sqlite_url, dev_keys),
        retention_days=365,
        sweep_seconds=0.2,
    )
    clock = Clock(at("2025-06-29"))
    async with running_service(service, settings) as privacy:
        privacy.runtime.clock = clock
        await publish_event(js, upserted("p-1003"))
        await publish_event(js, PersonLeft(person_id="p-1003", left_on="2024-06-30"))

        async def left() -> bool:
            r = await privacy.client.get("/erasures/p-1003", headers=dev_keys.headers("p", "hr"))
            return r.status_code == 200 and r.json()["retention"]["in_service"] is False

        await eventually(left)
        # The background sweep runs but nothing is due the day before.
        result = await run_sweep(privacy.runtime)
        assert result.requested == [] and await erasure_rows(privacy.runtime.db) == []

        clock.now = at("2025-06-30", hour=0)

        async def erased() -> list[Any]:
            return await stream_messages(js, "IDEAPAJA", ERASURE)

        [message] = await eventually(erased)
        body = json.loads(message.data)
        assert body["basis"] == "retention" and body["person_id"] == "p-1003"
        assert body["requested_by"] == "privacy"
        assert message.headers["ce-id"] == erasure_id("p-1003", 1)
        # The HR record goes too.
        assert await eventually(lambda: _hr_record_gone(js, "p-1003"), timeout=10)
        [row] = await erasure_rows(privacy.runtime.db)
        assert row.hr_record_deleted_at is not None
        # Later sweeps do nothing more.
        assert await run_sweep(privacy.runtime) == type(result)([], [], [])
    assert len(await stream_messages(js, "IDEAPAJA", ERASURE)) == 1


async def _hr_record_gone(js: Any, person_id: str) -> bool:
    return await stream_messages(js, "IDEAPAJA_HR", f"hr.person.{person_id}") == []


class FlakyJetStream:
    """Refuses the first purge (NATS away), then purges."""

    def __init__(self) -> None:
        self.purged: list[tuple[str, str]] = []
        self.failures = 1

    async def purge_stream(self, name: str, *, subject: str) -> bool:
        if self.failures:
            self.failures -= 1
            raise TimeoutError("nats: timeout")
        self.purged.append((name, subject))
        return True


async def test_an_hr_record_that_could_not_be_deleted_is_deleted_later(
    sqlite_privacy_db: Database,
) -> None:
    db = sqlite_privacy_db
    await hr_sent(db, "p-1003")
    await erasures.request(
        db,
        Outbox("/ideapaja/privacy"),
        person_id="p-1003",
        requested_by="p-hr",
        reason="pyyntö",
        basis=ErasureBasis.REQUEST,
        now=at("2025-03-01"),
    )
    js = FlakyJetStream()

    def clock() -> datetime:
        return datetime(2025, 3, 1, 13, tzinfo=UTC)

    assert await erasures.delete_hr_records(db, js, "IDEAPAJA_HR", clock) == []
    [row] = await erasure_rows(db)
    assert row.hr_record_deleted_at is None
    assert await erasures.delete_hr_records(db, js, "IDEAPAJA_HR", clock) == [row.erasure_id]
    assert js.purged == [("IDEAPAJA_HR", "hr.person.p-1003")]
    assert await erasures.delete_hr_records(db, js, "IDEAPAJA_HR", clock) == []
    assert js.purged == [("IDEAPAJA_HR", "hr.person.p-1003")], "deleted once"
