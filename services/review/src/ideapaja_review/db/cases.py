"""Opening a case as the IdeaSubmitted consumer does it, and an IdeaUpdated's new content:
prebuilt statements over ``review_cases``, ``case_history`` and ``case_reviewers``, the rows
passed as values.

Profiled in bench's ``review-ideas-submitted`` consumer (py-spy), most of an event's CPU was the
ORM: adding the case, its two history rows and its reviewers as objects, flushing them (the
outbox insert's and the next query's autoflush), tracking them afterwards, and building each
query again with its own cache key. Nothing later in the transaction reads the new case as an
object, so it is inserted once with what routing decided, and the statements are built once (an
execution finds its compiled form by a cache key computed at import). Everything else (the API,
decisions, sweeps) still loads ``CaseRow``; these rows are committed the same.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NotRequired, TypedDict, Unpack, cast

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ideapaja_review.db.models import CaseHistoryRow, CaseReviewerRow, CaseRow, RoutingLockRow

_CASES = cast(Table, CaseRow.__table__)
_HISTORY = cast(Table, CaseHistoryRow.__table__)
_REVIEWERS = cast(Table, CaseReviewerRow.__table__)
_LOCK_TABLE = cast(Table, RoutingLockRow.__table__)

_LOCK = select(_LOCK_TABLE.c.lock_id).where(_LOCK_TABLE.c.lock_id == 1).with_for_update()
_CASE_OF_IDEA = select(_CASES.c.case_id).where(_CASES.c.idea_id == bindparam("idea_id")).limit(1)
_INSERT_CASE = insert(_CASES)
_INSERT_HISTORY = insert(_HISTORY)
_INSERT_REVIEWERS = insert(_REVIEWERS)


@dataclass(frozen=True)
class UpdatedCase:
    """What an IdeaUpdated needs of the idea's case."""

    case_id: str
    content_revision: int
    state: str
    anonymous: bool
    author_ref: str
    language: str


# An IdeaUpdated's case: the idea's last round, locked for the rest of the transaction.
_LATEST_LOCKED = (
    select(*(_CASES.c[name] for name in UpdatedCase.__dataclass_fields__))
    .where(_CASES.c.idea_id == bindparam("idea_id"))
    .order_by(_CASES.c.round.desc())
    .limit(1)
    .with_for_update()
)
# The columns to set are the execution's parameters besides ``key`` (one statement for all).
_CHANGE_CASE = update(_CASES).where(_CASES.c.case_id == bindparam("key"))


async def lock_routing(session: AsyncSession) -> None:
    """Lock the routing lock's row (see ``RoutingLockRow``); SQLite ignores FOR UPDATE."""
    await session.execute(_LOCK)


async def idea_has_case(session: AsyncSession, idea_id: str) -> bool:
    return await session.scalar(_CASE_OF_IDEA, {"idea_id": idea_id}) is not None


class HistoryStep(TypedDict):
    """A history row's own fields, as its writers give them: who acted (None: the service), what
    they did, from which state, and the decision, reason and details where there are any."""

    actor_id: str | None
    action: str
    from_state: str | None
    decision: NotRequired[str | None]
    reason: NotRequired[str | None]
    details: NotRequired[dict[str, Any] | None]


def history_values(
    case_id: str, state: str, now: datetime, **step: Unpack[HistoryStep]
) -> dict[str, Any]:
    """A history row's values (its ``to_state`` is the case's state): inserted as they are by
    ``add_history``, and as a ``CaseHistoryRow`` by ``case_records.append_history``."""
    return {
        "case_id": case_id,
        "occurred_at": now,
        "actor_id": step["actor_id"],
        "action": step["action"],
        "from_state": step["from_state"],
        "to_state": state,
        "decision": step.get("decision"),
        "reason": step.get("reason"),
        "details": step.get("details") or None,
    }


async def insert_case(
    session: AsyncSession,
    case: dict[str, Any],
    history: Sequence[dict[str, Any]],
    reviewers: Sequence[dict[str, Any]],
) -> None:
    """Insert the case, then its history in order (its sequence numbers follow the list), then
    its reviewers."""
    await session.execute(_INSERT_CASE, case)
    await add_history(session, history)
    if reviewers:
        await session.execute(_INSERT_REVIEWERS, list(reviewers))


async def latest_locked(session: AsyncSession, idea_id: str) -> UpdatedCase | None:
    """The idea's current case (its last round), locked: what a content update reads of it."""
    row = (await session.execute(_LATEST_LOCKED, {"idea_id": idea_id})).one_or_none()
    return None if row is None else UpdatedCase(**row._mapping)


async def change_case(session: AsyncSession, case_id: str, **values: Any) -> None:
    """Set the named columns of the case ``case_id``."""
    await session.execute(_CHANGE_CASE, {"key": case_id, **values})


async def add_history(session: AsyncSession, history: Sequence[dict[str, Any]]) -> None:
    """Append history rows (``history_values``), in order."""
    await session.execute(_INSERT_HISTORY, list(history))
