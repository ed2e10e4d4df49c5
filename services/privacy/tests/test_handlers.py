"""HR events: who left when (retention), who came back, and late events that change nothing."""

from __future__ import annotations

from datetime import date

from privacy_testkit import at, erasure_rows, handle, left, person, upserted

from ideapaja_contracts.events.privacy import ErasureBasis
from ideapaja_privacy.handlers import on_person_left, on_person_upserted
from ideapaja_privacy.usecases import erasures
from ideapaja_runtime.db import Database
from ideapaja_runtime.outbox import Outbox


async def _erase(db: Database, person_id: str = "p-1003", day: str = "2025-03-01") -> str:
    done = await erasures.request(
        db,
        Outbox("/ideapaja/privacy"),
        person_id=person_id,
        requested_by="p-hr",
        reason="pyyntö TS-1",
        basis=ErasureBasis.REQUEST,
        now=at(day),
    )
    return done.erasure.erasure_id


async def test_a_person_in_service_is_remembered_without_personal_data(
    privacy_db: Database,
) -> None:
    await handle(privacy_db, on_person_upserted, upserted(), time=at("2024-01-10"))
    row = await person(privacy_db)
    assert row is not None and row.in_service and row.left_on is None
    assert row.erasure_round == 1
    # Nothing but ids, dates and flags: no name, no e-mail.
    stored = " ".join(str(v) for v in vars(row).values())
    assert "Leena" not in stored and "@" not in stored


async def test_leaving_records_the_day_and_a_return_clears_it(privacy_db: Database) -> None:
    await handle(privacy_db, on_person_upserted, upserted(), time=at("2024-01-10"))
    await handle(privacy_db, on_person_left, left(left_on="2024-06-30"), time=at("2024-07-01"))
    row = await person(privacy_db)
    assert row is not None and not row.in_service
    assert (row.left_on, row.left_on_date) == ("2024-06-30", date(2024, 6, 30))

    await handle(privacy_db, on_person_upserted, upserted(), time=at("2024-09-01"))
    row = await person(privacy_db)
    assert row is not None and row.in_service and row.left_on_date is None
    assert row.erasure_round == 1, "no erasure was requested, so no new round"


async def test_a_late_older_hr_event_changes_nothing(privacy_db: Database) -> None:
    await handle(privacy_db, on_person_left, left(left_on="2024-06-30"), time=at("2024-07-01"))
    # An upsert HR sent before the person left, delivered after (a NAK reordered them).
    await handle(privacy_db, on_person_upserted, upserted(), time=at("2024-05-01"))
    row = await person(privacy_db)
    assert row is not None and not row.in_service and row.left_on_date == date(2024, 6, 30)
    # And the other way round.
    await handle(privacy_db, on_person_upserted, upserted("p-2"), time=at("2024-08-01"))
    await handle(privacy_db, on_person_left, left("p-2"), time=at("2024-07-01"))
    row = await person(privacy_db, "p-2")
    assert row is not None and row.in_service


async def test_leaving_without_a_date_counts_from_the_report(privacy_db: Database) -> None:
    await handle(privacy_db, on_person_left, left(left_on="unknown"), time=at("2025-02-03"))
    row = await person(privacy_db)
    assert row is not None and row.left_on_date == date(2025, 2, 3)


async def test_a_re_hire_after_erasure_starts_a_new_round(privacy_db: Database) -> None:
    await handle(privacy_db, on_person_left, left(), time=at("2024-07-01"))
    first = await _erase(privacy_db, day="2025-03-01")

    # An upsert sent before the erasure but delivered late is not a return.
    await handle(privacy_db, on_person_upserted, upserted(), time=at("2024-05-01"))
    row = await person(privacy_db)
    assert row is not None and row.erasure_round == 1

    # HR sends the person again after the erasure: re-hired, new data to erase some day.
    await handle(privacy_db, on_person_upserted, upserted(), time=at("2025-05-01"))
    row = await person(privacy_db)
    assert row is not None and row.erasure_round == 2 and row.in_service
    second = await _erase(privacy_db, day="2026-01-01")
    assert second != first
    assert [(e.erasure_round, e.erasure_id) for e in await erasure_rows(privacy_db)] == [
        (1, first),
        (2, second),
    ]


async def test_an_hr_record_older_than_the_erasure_then_a_return(privacy_db: Database) -> None:
    """Erased on request; an HR record from before the erasure arriving late is not a return,
    HR's later record is a new employment."""
    await handle(privacy_db, on_person_upserted, upserted("p-9"), time=at("2025-01-01"))
    await _erase(privacy_db, "p-9", day="2025-03-01")
    await handle(privacy_db, on_person_upserted, upserted("p-9"), time=at("2025-02-01"))
    row = await person(privacy_db, "p-9")
    assert row is not None and row.erasure_round == 1
    await handle(privacy_db, on_person_upserted, upserted("p-9"), time=at("2025-04-01"))
    row = await person(privacy_db, "p-9")
    assert row is not None and row.erasure_round == 2
