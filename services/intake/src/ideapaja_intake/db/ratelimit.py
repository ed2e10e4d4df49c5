"""The per-person submission limit, counted in the database inside the submitting transaction:
refused submissions are not counted, and replicas share one counter per person."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from functools import cache
from typing import cast

from sqlalchemy import Insert, Table, delete, update
from sqlalchemy.orm import Session

from ideapaja_intake.db.models import SubmissionCounter
from ideapaja_intake.db.sql import dialect_of, insert_for
from ideapaja_intake.domain.ratelimit import granted, window_of
from ideapaja_intake.errors import TooManySubmissions

WINDOW_SECONDS = 3600


@cache
def _raise_counts(dialect: str) -> Insert:
    """Add ``count`` to a person's count in a window (a new row if none); returns the totals."""
    table = cast(Table, SubmissionCounter.__table__)
    insert = insert_for(dialect)(table)
    statement: Insert = insert.on_conflict_do_update(
        index_elements=[table.c.person_id, table.c.window_start],
        set_={"count": table.c.count + insert.excluded.count},
    ).returning(table.c.person_id, table.c.count)
    return statement


def count_submissions(
    session: Session, people: Sequence[str], *, limit: int, now: datetime
) -> list[TooManySubmissions | None]:
    """Count one submission per entry of ``people`` (in order; a person may appear more than
    once): None where it fits the person's limit, the refusal (not counted) where it does not.

    One statement for the whole batch raises every person's count by what they ask for and
    returns the new counts; the refused part is given back. The rows stay locked (PostgreSQL)
    or the writer lock held (SQLite) between reading and writing, so replicas never both take
    the last place. Synchronous: part of the submission batch's ``Database.run_transaction``."""
    if not people:
        return []
    window = window_of(now, WINDOW_SECONDS)
    wanted = Counter(people)
    # executemany of one cached statement (SQLAlchemy sends it as one multi-row INSERT):
    # a multi-row .values([...]) would be compiled anew for every batch.
    rows = session.execute(
        _raise_counts(dialect_of(session)),
        [
            {"person_id": person, "window_start": window.start, "count": count}
            for person, count in wanted.items()
        ],
    ).all()
    totals = {person: int(count) for person, count in rows}
    allowed: dict[str, int] = {}
    new_windows: list[str] = []
    for person, count in wanted.items():
        before = totals[person] - count
        allowed[person] = granted(before, count, limit)
        if allowed[person] < count:
            session.execute(
                update(SubmissionCounter)
                .where(
                    SubmissionCounter.person_id == person,
                    SubmissionCounter.window_start == window.start,
                )
                .values(count=SubmissionCounter.count - (count - allowed[person]))
            )
        if before == 0:
            new_windows.append(person)
    if new_windows:
        # A new window: these people's older windows are over.
        session.execute(
            delete(SubmissionCounter).where(
                SubmissionCounter.person_id.in_(new_windows),
                SubmissionCounter.window_start < window.start,
            )
        )
    answers: list[TooManySubmissions | None] = []
    for person in people:
        if allowed[person] > 0:
            allowed[person] -= 1
            answers.append(None)
        else:
            answers.append(TooManySubmissions(limit, window.retry_after(now)))
    return answers
