"""Group commit: concurrent items share transactions, yet each caller gets its own answer and a
bad item never takes its neighbours down with it."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest
from prometheus_client import REGISTRY
from runtime_testkit import notes
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ideapaja_runtime.db import Database
from ideapaja_runtime.groupcommit import GroupCommit


class Refused(Exception):
    pass


@pytest.fixture
def db(notes_db: Database) -> Database:
    return notes_db


def write_notes(session: Session, batch: Sequence[str]) -> list[int | Exception]:
    """Stores every text but "refuse" (refused, nothing written); "poison" breaks the batch."""
    answers: list[int | Exception] = []
    for text in batch:
        if text == "refuse":
            answers.append(Refused(text))
            continue
        if text == "poison":
            raise RuntimeError("the database said no")
        result = session.execute(notes.insert().values(text=text))
        answers.append(int(result.inserted_primary_key[0]))
    return answers


async def stored(db: Database) -> list[str]:
    async with db.transaction() as session:
        return list(await session.scalars(select(notes.c.text).order_by(notes.c.id)))


async def test_concurrent_items_are_committed_in_fewer_transactions(db: Database) -> None:
    def observed(name: str) -> float:
        labels = {"writer": "notes"}
        return REGISTRY.get_sample_value(f"ideapaja_group_commit_batch_size_{name}", labels) or 0

    before = observed("count"), observed("sum")
    writer: GroupCommit[str, int] = GroupCommit(db, write_notes, max_batch=8, name="notes")
    ids = await asyncio.gather(*(writer.submit(f"note {n}") for n in range(40)))
    assert len(set(ids)) == 40
    assert sorted(await stored(db)) == sorted(f"note {n}" for n in range(40))
    assert writer.items == 40
    # The first item goes alone; the rest queue behind it and go in batches of at most 8.
    assert 5 <= writer.batches < 40
    # Operators see the same in /metrics: transactions, and items per transaction.
    assert observed("count") - before[0] == writer.batches
    assert observed("sum") - before[1] == 40


async def test_a_refused_item_gets_its_refusal_and_the_others_are_stored(db: Database) -> None:
    writer: GroupCommit[str, int] = GroupCommit(db, write_notes)
    answers = await asyncio.gather(
        *(writer.submit(text) for text in ["a", "refuse", "b", "c"]), return_exceptions=True
    )
    assert isinstance(answers[1], Refused)
    assert all(isinstance(answer, int) for i, answer in enumerate(answers) if i != 1)
    assert sorted(await stored(db)) == ["a", "b", "c"]


async def test_a_failed_batch_is_retried_item_by_item(db: Database) -> None:
    writer: GroupCommit[str, int] = GroupCommit(db, write_notes)
    texts = ["a", "b", "poison", "c", "d"]
    answers = await asyncio.gather(*(writer.submit(t) for t in texts), return_exceptions=True)
    assert isinstance(answers[2], RuntimeError)
    assert all(isinstance(a, int) for i, a in enumerate(answers) if i != 2)
    # Nothing of the failed batch was committed twice, and nothing of the poison at all.
    assert sorted(await stored(db)) == ["a", "b", "c", "d"]


async def test_a_caller_that_goes_away_does_not_cancel_the_batch(db: Database) -> None:
    writer: GroupCommit[str, int] = GroupCommit(db, write_notes)
    first = asyncio.create_task(writer.submit("first"))
    leaving = asyncio.create_task(writer.submit("leaving"))
    staying = asyncio.create_task(writer.submit("staying"))
    await asyncio.sleep(0)
    leaving.cancel()
    await first
    await staying
    # The item of the caller that left is written all the same (as after a lost response).
    async with db.transaction() as session:
        count = await session.scalar(select(func.count()).select_from(notes))
    assert count == 3


def test_a_batch_holds_at_least_one_item(db: Database) -> None:
    with pytest.raises(ValueError):
        GroupCommit(db, write_notes, max_batch=0)
