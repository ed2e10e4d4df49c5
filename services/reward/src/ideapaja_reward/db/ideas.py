"""The idea projection as the event handlers read and write it: prebuilt statements over
``reward_ideas``, not ORM objects.

Every lifecycle event reads its idea and most change it; loading an ORM object, marking it dirty
and having the next query flush it cost several times the statements themselves (profiled in the
``reward-decisions`` consumer). The statements are built once, so each execution finds its
compiled form by a cache key computed at import. The handlers write this table only through
these functions, so nothing in a consumer's transaction waits in the ORM to be flushed; the API's
reads still load ``RewardIdea`` in their own transactions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ideapaja_reward.db.models import RewardIdea
from ideapaja_runtime.db import insert_unless_present

# The mapped class's table, typed as the Table it is (insert/update take no FromClause).
_IDEAS = cast(Table, RewardIdea.__table__)


@dataclass(frozen=True)
class StoredIdea:
    """What the rules need of an idea: who wrote it, its unit, which outcomes it reached (a
    new idea none) and the comment waiting for an author's answer."""

    idea_id: str
    unit_id: str
    author_ids: list[str]
    accepted_at: datetime | None = None
    experiment_started_at: datetime | None = None
    experiment_scaled_at: datetime | None = None
    implemented_at: datetime | None = None
    unanswered_comment_id: str | None = None


_IDEA = select(*(_IDEAS.c[name] for name in StoredIdea.__dataclass_fields__)).where(
    _IDEAS.c.idea_id == bindparam("key")
)
# The columns to set are the execution's parameters besides ``key`` (one statement for all).
_CHANGE = update(_IDEAS).where(_IDEAS.c.idea_id == bindparam("key"))


async def find(session: AsyncSession, idea_id: str) -> StoredIdea | None:
    row = (await session.execute(_IDEA, {"key": idea_id})).one_or_none()
    return None if row is None else StoredIdea(**row._mapping)


async def insert_new(session: AsyncSession, values: dict[str, Any]) -> bool:
    """Store a submitted idea unless it is stored already: whether it was."""
    return await insert_unless_present(session, _IDEAS, values)


async def change(session: AsyncSession, idea_id: str, **values: Any) -> None:
    """Set the named columns of the idea ``idea_id``."""
    await session.execute(_CHANGE, {"key": idea_id, **values})
