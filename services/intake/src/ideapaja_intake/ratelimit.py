"""The per-person submission limit, counted in the database inside the submitting transaction:
a refused submission rolls its own count back, and replicas share one counter per person."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from ideapaja_intake.db.models import SubmissionCounter
from ideapaja_intake.domain.ratelimit import over_limit, window_of
from ideapaja_intake.store import delete_where, dialect_insert
from ideapaja_runtime.problems import Problem

WINDOW_SECONDS = 3600


async def count_submission(
    session: AsyncSession, person: str, *, limit: int, now: datetime
) -> None:
    """Count one submission by ``person``; 429 (and nothing counted) when over the limit."""
    window = window_of(now, WINDOW_SECONDS)
    statement = dialect_insert(session)(SubmissionCounter).values(
        person_id=person, window_start=window.start, count=1
    )
    statement = statement.on_conflict_do_update(
        index_elements=[SubmissionCounter.person_id, SubmissionCounter.window_start],
        set_={"count": SubmissionCounter.count + 1},
    ).returning(SubmissionCounter.count)
    count = int((await session.execute(statement)).scalar_one())
    if over_limit(count, limit):
        retry_after = window.retry_after(now)
        raise Problem(
            429,
            "Too many submissions",
            f"At most {limit} ideas per hour; try again in {retry_after} seconds.",
            headers={"Retry-After": str(retry_after)},
            retry_after=retry_after,
        )
    if count == 1:
        # A new window: the person's older windows are over.
        await delete_where(
            session,
            SubmissionCounter,
            SubmissionCounter.person_id == person,
            SubmissionCounter.window_start < window.start,
        )
