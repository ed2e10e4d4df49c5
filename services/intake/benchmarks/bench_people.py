"""Benchmark (not a test): the colleague search (GET /people's query) on a city of 38,000 people,
on SQLite and on PostgreSQL (when one answers on :5432).

Run from the repository root:  .venv/bin/python services/intake/benchmarks/bench_people.py

Seeds the migrated schema with N people (Finnish and Swedish first names and surnames, some
hyphenated, in 60 units), the way the HR handler stores them (name, folded key, name words), then
times the use case's query and page (``find_people``'s statement through ``page_of``: count, page
of 10, in its own transaction, as a request has) for typed prefixes of 2-5 letters and two-word
queries. Reports p50/p95/max in milliseconds. Nothing here fails on a number.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from ideapaja_intake.app import service
from ideapaja_intake.db.models import Person, PersonNameWord, Unit
from ideapaja_intake.db.people import PEOPLE_ORDER, colleagues
from ideapaja_intake.domain.people import name_key, name_words, query_words
from ideapaja_runtime.db import Database
from ideapaja_runtime.pagination import PageRequest, page_of
from ideapaja_runtime.testing import (
    create_pg_database,
    drop_pg_database,
    migrated_database,
    postgres_available,
)

FIRST = str.split(
    "Aino Aleksi Anna Anna-Liisa Antti Eero Eeva Elina Emilia Hanna Heikki Helmi Ilkka Janne "
    "Johanna Juha Jukka Kaisa Kalle Katja Kirsi Lauri Leena Liisa Maija Marja Markku Matti Mika "
    "Minna Niina Olli Outi Pekka Päivi Riikka Sami Sanna Satu Seppo Tiina Timo Tuula Ville Åsa "
    "Björn Göran Ingrid Karin Lars Maria Nils Sofia Stina Ulla Åke"
)
LAST = str.split(
    "Korhonen Virtanen Mäkinen Nieminen Mäkelä Hämäläinen Laine Heikkinen Koskinen Järvinen "
    "Lehtonen Lehtinen Saarinen Salminen Heinonen Niemi Heikkilä Kinnunen Salonen Turunen "
    "Salo Laitinen Tuominen Rantanen Karjalainen Jokinen Mattila Savolainen Lahtinen Ahonen "
    "Åhlund Öberg Lindqvist Sjöberg Nyström Holmström Lindholm Forsström Ekholm Wikström "
    "Korpela Kettunen Oksanen Manninen Leinonen Hiltunen Pitkänen Väisänen Miettinen Räsänen"
)
QUERIES = 400


def person_rows(
    count: int, rng: random.Random, now: datetime
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    people: list[dict[str, Any]] = []
    words: list[dict[str, Any]] = []
    for i in range(count):
        last = rng.choice(LAST)
        if rng.random() < 0.05:
            last = f"{last}-{rng.choice(LAST)}"
        name = f"{rng.choice(FIRST)} {last}"
        person_id = f"p-{i:06d}"
        people.append(
            {
                "person_id": person_id,
                "unit_id": f"u-{i % 60:02d}",
                "active": rng.random() > 0.03,
                "hr_event_time": now,
                "recorded_at": now,
                "display_name": name,
                "name_key": name_key(name),
            }
        )
        words += [{"word": w, "person_id": person_id} for w in name_words(name)]
    return people, words


def queries(rng: random.Random) -> list[str]:
    typed = []
    for _ in range(QUERIES):
        part = rng.choice(rng.choice((FIRST, LAST)))
        prefix = part[: rng.randint(2, 5)]
        if rng.random() < 0.25:
            prefix = f"{rng.choice(FIRST)} {rng.choice(LAST)[: rng.randint(1, 3)]}"
        typed.append(prefix)
    return typed


def unit_row(number: int, now: datetime) -> dict[str, Any]:
    return {
        "id": f"u-{number:02d}",
        "kind": "unit",
        "name_fi": f"Yksikkö {number}",
        "hr_event_time": now,
        "recorded_at": now,
    }


async def seed(db: Database, count: int) -> None:
    rng, now = random.Random(38), datetime.now(UTC)
    people, words = person_rows(count, rng, now)
    async with db.transaction() as session:
        await session.execute(
            insert(Unit),
            [unit_row(u, now) for u in range(60)],
        )
        for start in range(0, count, 5000):
            await session.execute(insert(Person), people[start : start + 5000])
        for start in range(0, len(words), 5000):
            await session.execute(insert(PersonNameWord), words[start : start + 5000])
    if db.url.startswith("postgresql"):
        async with db.engine.connect() as conn:
            await conn.exec_driver_sql("ANALYZE")


async def measure(db: Database) -> list[float]:
    timings, rng = [], random.Random(7)
    page = PageRequest(limit=10)
    for typed in queries(rng):
        prefixes = query_words(typed) or ["aa"]
        started = time.perf_counter()
        async with db.transaction() as session:
            await page_of(
                session,
                colleagues(prefixes, (), excluded="p-000001"),
                keys=PEOPLE_ORDER,
                page=page,
                item=lambda row: row.display_name,
                descending=False,
            )
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def report(label: str, timings: list[float]) -> None:
    ordered = sorted(timings)
    p95 = ordered[int(len(ordered) * 0.95) - 1]
    print(
        f"{label}: {len(timings)} searches, p50 {statistics.median(ordered):.1f} ms, "
        f"p95 {p95:.1f} ms, max {ordered[-1]:.1f} ms"
    )


async def run(url: str, label: str, count: int) -> None:
    async with migrated_database(url, service.migrations) as db:
        started = time.perf_counter()
        await seed(db, count)
        print(f"{label}: seeded {count} people in {time.perf_counter() - started:.1f} s")
        await measure(db)  # warm-up
        report(label, await measure(db))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=38_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'people.db'}"
        asyncio.run(run(url, "SQLite", args.people))
    if not postgres_available():
        print("PostgreSQL: not answering on :5432, skipped")
        return
    name, url = create_pg_database("bench_people")
    try:
        asyncio.run(run(url, "PostgreSQL", args.people))
    finally:
        drop_pg_database(name)


if __name__ == "__main__":
    main()
