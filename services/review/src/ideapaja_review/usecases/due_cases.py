"""Sweeping the cases at a step with a deadline: the escalation of overdue steps and the
reminder before a deadline walk them the same way, so it is written once.

Each batch is one unit of work; time is the first unit's (the service's clock), so a sweep
judges every case at the same instant. Keyset paging by ``(due_at, case_id)``: a sweep never
fetches a case twice, nor waits for one another replica holds (``SKIP LOCKED`` on PostgreSQL).
Each case is handled in a savepoint: a unique key another replica reached first
(``IntegrityError``) skips that case alone."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import TypeVar

from sqlalchemy import ColumnElement, Select, and_, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from ideapaja_review.db.models import CaseRow
from ideapaja_review.domain.deadlines import DEADLINE_STEPS
from ideapaja_review.settings import ReviewWork
from ideapaja_runtime.logging import get_logger

log = get_logger(__name__)

E = TypeVar("E")

# Opens one unit of work (``runtime.unit_of_work``): the service's clock, settings and outbox.
OpenUnit = Callable[[], AbstractAsyncContextManager[ReviewWork]]


def due_cases(
    session: AsyncSession,
    conditions: Sequence[ColumnElement[bool]],
    *,
    after: tuple[datetime, str] | None,
    batch: int,
) -> Select[CaseRow]:
    """The next ``batch`` cases at a step with a deadline that meet ``conditions``, soonest
    due first, after the ``(due_at, case_id)`` the sweep reached; on PostgreSQL each locked,
    skipping those another replica holds."""
    query = (
        select(CaseRow)
        .where(CaseRow.state.in_([s.value for s in DEADLINE_STEPS]), *conditions)
        .order_by(CaseRow.due_at, CaseRow.case_id)
        .limit(batch)
    )
    if after is not None:
        query = query.where(
            or_(
                CaseRow.due_at > after[0],
                and_(CaseRow.due_at == after[0], CaseRow.case_id > after[1]),
            )
        )
    if session.get_bind().dialect.name != "sqlite":
        query = query.with_for_update(skip_locked=True, of=CaseRow)
    return query


async def sweep_due(
    open_unit: OpenUnit,
    conditions: Callable[[datetime], Sequence[ColumnElement[bool]]],
    act: Callable[[ReviewWork, CaseRow], Awaitable[E | None]],
    *,
    raced: str,
    batch: int,
) -> list[E]:
    """``act`` on every case meeting ``conditions(now)``; what it returned (None: nothing
    done). ``raced`` is logged for a case another replica handled first."""
    done: list[E] = []
    after: tuple[datetime, str] | None = None
    now: datetime | None = None
    while True:
        async with open_unit() as uow:
            session = uow.session
            now = now or uow.now
            uow.now = now
            query = due_cases(session, conditions(now), after=after, batch=batch)
            found = (await session.scalars(query)).all()
            if found:
                # Taken before acting, which may move due_at on.
                last_due = found[-1].due_at
                assert last_due is not None  # steps with a deadline only
                after = (last_due, found[-1].case_id)
            for case in found:
                try:
                    async with session.begin_nested():
                        outcome = await act(uow, case)
                except IntegrityError:
                    log.info(raced, case_id=case.case_id)
                    continue
                if outcome is not None:
                    done.append(outcome)
        if len(found) < batch:
            return done
