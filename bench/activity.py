"""Units' activity per headcount (issue 16): ``GET /activity?level=unit`` p50/p95 on a city of
100 units (10 departments), 5,000 people and 20,000 ideas over two years, beside a trivial read
(``GET /ledger/me``) in the same run, on SQLite and, where one answers, PostgreSQL.

The rows are the ones the reward service's handlers write (HR's units and memberships, the idea
projection, the default rules' ledger entries), stored with its models in bulk: through the
handlers, one event at a time, 20,000 ideas took over 6 minutes on 2 shared cores. The service
then runs as in production (its own nats-server) and is called over HTTP in-process. Not a
test: it prints figures and fails on none.

    .venv/bin/python -m bench.activity [--ideas N] [--reads N] [--no-postgres]
"""

from __future__ import annotations

import random
import statistics
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.harness import percentile, run_alone
from ideapaja_reward.app import service
from ideapaja_reward.db.models import (
    LedgerEntry,
    OrgMembershipRow,
    OrgPersonRow,
    OrgUnitRow,
    RewardIdea,
)
from ideapaja_reward.domain import entry_id, source_key
from ideapaja_reward.settings import RewardSettings
from ideapaja_runtime.db import Database
from ideapaja_runtime.testing import (
    DevKeys,
    NatsServer,
    fast_test_settings,
    migrated_database,
    running_service,
)

DEPARTMENTS = 10
UNITS_PER_DEPARTMENT = 9  # 10 departments + 90 units = 100 units
PEOPLE = 5_000
START = datetime(2024, 1, 1, tzinfo=UTC)
SPAN = timedelta(days=730)
AT = "at=2025-06-15"
RULES = (("submitted", 5), ("accepted", 50), ("implemented", 100))


def _unit(unit_id: str, kind: str, parent_id: str | None) -> OrgUnitRow:
    return OrgUnitRow(
        unit_id=unit_id, kind=kind, parent_id=parent_id, name_fi=unit_id, name_sv="", name_en="",
        as_of=START,
    )  # fmt: skip


def _idea(rng: random.Random, n: int, home: dict[str, str]) -> list[Any]:
    """An idea of 1–3 authors, 30 % accepted, 40 % of those implemented, and its ledger entries."""
    submitted_at = START + SPAN * rng.random()
    authors = rng.sample(list(home), rng.choice([1, 1, 1, 2, 3]))
    accepted_at = implemented_at = None
    if rng.random() < 0.3:
        accepted_at = submitted_at + timedelta(days=rng.randint(5, 60))
        if rng.random() < 0.4:
            implemented_at = accepted_at + timedelta(days=30)
    idea = RewardIdea(
        idea_id=f"i-{n}", title=f"Idea {n}", unit_id=home[authors[0]], author_ids=authors,
        anonymous=rng.random() < 0.1, submitted_at=submitted_at, accepted_at=accepted_at,
        implemented_at=implemented_at,
    )  # fmt: skip
    rows: list[Any] = [idea]
    for (rule, points), when in zip(
        RULES, (submitted_at, accepted_at, implemented_at), strict=True
    ):
        for person in authors if when is not None else ():
            entry = entry_id(idea.idea_id, person, rule)
            rows.append(
                LedgerEntry(
                    entry_id=entry,
                    source_key=source_key(idea.idea_id, person, rule),
                    idea_id=idea.idea_id,
                    person_id=person,
                    unit_id=idea.unit_id,
                    rule=rule,
                    points=points,
                    reason=rule,
                    cause_event_id=entry,
                    occurred_at=when,
                    created_at=when,
                )
            )
    return rows


def _city(rng: random.Random, ideas: int) -> tuple[list[Any], list[str]]:
    rows: list[Any] = []
    units: list[str] = []
    for d in range(DEPARTMENTS):
        rows.append(_unit(f"d-{d}", "department", None))
        for u in range(UNITS_PER_DEPARTMENT):
            units.append(f"u-{d}-{u}")
            rows.append(_unit(units[-1], "unit", f"d-{d}"))
    home = {f"p-{n}": rng.choice(units) for n in range(PEOPLE)}
    for person, unit in home.items():
        rows.append(OrgPersonRow(person_id=person, unit_id=unit, active=True, as_of=START))
        rows.append(OrgMembershipRow(person_id=person, unit_id=unit, since=START, until=None))
    for n in range(ideas):
        rows += _idea(rng, n, home)
    return rows, list(home)


async def _store(db: Database, rows: list[Any]) -> None:
    for start in range(0, len(rows), 5_000):
        async with db.transaction() as session:
            session.add_all(rows[start : start + 5_000])


async def _timed(client: Any, path: str, headers: dict[str, str], reads: int) -> list[float]:
    times: list[float] = []
    for _ in range(reads):
        began = time.perf_counter()
        response = await client.get(path, headers=headers)
        times.append((time.perf_counter() - began) * 1000)
        assert response.status_code == 200, response.text
    return times


async def measure(database_url: str, ideas: int, reads: int) -> dict[str, float]:
    rows, people = _city(random.Random(16), ideas)
    began = time.perf_counter()
    async with migrated_database(database_url, service.migrations) as db:
        await _store(db, rows)
    figures = {"seed_s": round(time.perf_counter() - began, 1)}
    keys, nats = DevKeys(), NatsServer()
    nats.start()
    wiring = {"nats_url": nats.url, "database_url": database_url}
    settings = RewardSettings.model_validate(
        fast_test_settings(**wiring, auth_public_key=keys.public_pem)
    )
    management = keys.headers("p-bench", "management")
    paths = {
        "activity_unit_month": f"/activity?level=unit&{AT}&limit=100",
        "activity_unit_year": f"/activity?level=unit&period=year&{AT}&limit=100",
        "activity_department_month": f"/activity?level=department&{AT}",
        "activity_series_12_months": f"/activity/series?periods=12&{AT}",
    }
    try:
        async with running_service(service, settings) as running:
            client = running.client
            await _timed(client, paths["activity_unit_month"], management, 3)  # warm-up
            results = {
                name: await _timed(client, p, management, reads) for name, p in paths.items()
            }
            own = keys.headers(people[0], "employee")
            results["ledger_me (trivial)"] = await _timed(client, "/ledger/me", own, reads)
    finally:
        nats.cleanup()
    for name, times in results.items():
        figures[f"{name} p50 ms"] = round(statistics.median(times), 1)
        figures[f"{name} p95 ms"] = round(percentile(times, 95), 1)
    return figures


def main() -> None:
    run_alone(
        __doc__,
        measure,
        sqlite_file="reward.db",
        pg_name="ideapaja_bench_activity",
        ideas=20_000,
        reads=40,
    )


if __name__ == "__main__":
    main()
