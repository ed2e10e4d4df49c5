"""Lists and search over many ideas (``db/search.py``): past 1,000 matches the count stops there
and the pages are read newest first all the same (issue 13); on SQLite the FTS5 index follows
every write to the terms. On SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import delete, select, text, update

from ideapaja_contracts.events.hr import UnitKind, UnitUpserted
from ideapaja_contracts.events.idea import Channel
from ideapaja_intake.app import service
from ideapaja_intake.db.models import Idea
from ideapaja_intake.db.org import upsert_unit
from ideapaja_intake.db.search import COUNT_UP_TO, IdeaFilter, idea_page, search_condition
from ideapaja_intake.domain.submission import IdeaSubmission
from ideapaja_intake.settings import IntakeSettings
from ideapaja_intake.usecases.submissions import PendingSubmission, Submitter, write_submissions
from ideapaja_runtime.db import Database
from ideapaja_runtime.outbox import Outbox
from ideapaja_runtime.pagination import PageRequest
from ideapaja_runtime.testing import migrated_database

START = datetime(2026, 1, 1, tzinfo=UTC)
# 1,030 ideas in unit u-1 saying "kirjastossa" (exact matches of "kirjasto"), 20 newer ones in
# u-2 saying "kirjastoauto" (a compound: ranked after them), 10 about something else.
EXACT, COMPOUND, OTHER = 1030, 20, 10


def pending(n: int, unit: str, problem: str) -> PendingSubmission:
    submission = IdeaSubmission.model_validate(
        {"title": f"Idea {n}", "problem": problem, "solution": "Kokeillaan.", "benefit": "",
         "scope": "unit", "unit_id": unit, "language": "fi", "anonymous": False}
    )  # fmt: skip
    return PendingSubmission(Submitter(f"p-{n % 50}", ()), submission, Channel.API)


async def fill(db: Database) -> None:
    settings: Any = IntakeSettings(submissions_per_hour=1_000_000)
    async with db.transaction() as session:
        for unit in ("u-1", "u-2"):
            event = UnitUpserted(unit_id=unit, kind=UnitKind.UNIT, name_fi=unit)
            await upsert_unit(session, event, START, recorded_at=START)
    batches = [
        [pending(n, "u-1", "Asiakkaat odottavat kirjastossa.") for n in range(EXACT)],
        [pending(EXACT + n, "u-2", "Kirjastoauto kulkee harvoin.") for n in range(COMPOUND)],
        [pending(EXACT + COMPOUND + n, "u-2", "Uimahalli on kiinni.") for n in range(OTHER)],
    ]
    for minutes, batch in enumerate(batches):
        now = START + timedelta(minutes=minutes)

        def write(session: Any, batch: list[PendingSubmission] = batch, now: datetime = now) -> Any:
            outbox = Outbox("/ideapaja/intake")
            return write_submissions(
                session, settings=settings, outbox=outbox, now=now, batch=batch
            )

        answers = await db.run_transaction(write)
        assert not any(isinstance(answer, Exception) for answer in answers), answers[:1]


@pytest.fixture
async def many(database_url: str) -> AsyncIterator[Database]:
    async with migrated_database(database_url, service.migrations) as db:
        await fill(db)
        yield db


async def every_page(db: Database, filters: IdeaFilter) -> tuple[list[Idea], list[int]]:
    """Every idea of the list, page by page (100 each), and the total each page reported."""
    ideas: list[Idea] = []
    totals: list[int] = []
    cursor = None
    while True:
        async with db.transaction() as session:
            rows, total, cursor = await idea_page(session, filters, PageRequest(100, cursor))
        ideas += rows
        totals.append(total)
        if cursor is None:
            return ideas, totals


def newest_first(ideas: list[Idea]) -> bool:
    keys = [(idea.submitted_at, idea.id) for idea in ideas]
    return keys == sorted(keys, reverse=True)


async def test_a_search_past_the_count_limit_pages_every_match_in_rank_order(
    many: Database,
) -> None:
    ideas, totals = await every_page(many, IdeaFilter(query="kirjasto"))
    assert set(totals) == {COUNT_UP_TO + 1}  # "more than 1,000" on every page
    assert len(ideas) == len({idea.id for idea in ideas}) == EXACT + COMPOUND
    exact, compound = ideas[:EXACT], ideas[EXACT:]
    assert {idea.unit_id for idea in exact} == {"u-1"} and newest_first(exact)
    assert {idea.unit_id for idea in compound} == {"u-2"} and newest_first(compound)
    # Under the limit, the count is exact.
    ideas, totals = await every_page(many, IdeaFilter(query="kirjastoauto"))
    assert set(totals) == {COMPOUND} and len(ideas) == COMPOUND


async def test_a_list_past_the_count_limit_pages_newest_first(many: Database) -> None:
    every = IdeaFilter(public_only=True)
    ideas, totals = await every_page(many, replace(every, unit_ids=("u-1",)))
    assert set(totals) == {COUNT_UP_TO + 1}
    assert len({idea.id for idea in ideas}) == EXACT and newest_first(ideas)
    assert {idea.unit_id for idea in ideas} == {"u-1"}
    ideas, totals = await every_page(many, replace(every, unit_ids=("u-2",)))
    assert set(totals) == {COMPOUND + OTHER} and newest_first(ideas)
    ideas, _ = await every_page(many, every)
    assert len(ideas) == EXACT + COMPOUND + OTHER and newest_first(ideas)


async def found(db: Database, query: str) -> list[str]:
    async with db.transaction() as session:
        condition = search_condition(session, query)
        assert condition is not None
        return list((await session.scalars(select(Idea.id).where(condition))).all())


async def test_the_index_follows_edits_and_deletions(database_url: str) -> None:
    async with migrated_database(database_url, service.migrations) as db:
        async with db.transaction() as session:
            event = UnitUpserted(unit_id="u-1", kind=UnitKind.UNIT, name_fi="u-1")
            await upsert_unit(session, event, START, recorded_at=START)

        def write(session: Any) -> Any:
            batch = [pending(n, "u-1", "Kirjastossa on hiljaista.") for n in range(2)]
            settings: Any = IntakeSettings()
            outbox = Outbox("/ideapaja/intake")
            return write_submissions(
                session, settings=settings, outbox=outbox, now=START, batch=batch
            )

        first, second = (record.idea.id for record in await db.run_transaction(write))
        assert sorted(await found(db, "kirjasto")) == sorted([first, second])
        async with db.transaction() as session:
            edited = {"search_terms": " uimahalli ", "search_parts": " uima halli "}
            await session.execute(update(Idea).where(Idea.id == first).values(**edited))
            await session.execute(delete(Idea).where(Idea.id == second))
        assert await found(db, "kirjasto") == []
        assert await found(db, "uimahalli") == [first]
        assert await found(db, "halli") == [first]
        if db.engine.dialect.name == "sqlite":  # the index agrees with the table, row by row
            async with db.transaction() as session:
                await session.execute(
                    text("INSERT INTO ideas_fts(ideas_fts, rank) VALUES ('integrity-check', 1)")
                )
