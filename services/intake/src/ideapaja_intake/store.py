"""Reading and writing the intake tables inside a caller's transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from ideapaja_contracts.events.hr import UnitUpserted
from ideapaja_intake.db.models import Idea, IdeaAuthor, IdeaReward, IdeaStatusChange, Unit
from ideapaja_intake.domain.status import IdeaStatus, StatusChange, current_status


@dataclass(frozen=True)
class IdeaRecord:
    idea: Idea
    authors: Sequence[IdeaAuthor]
    history: Sequence[IdeaStatusChange]

    @property
    def author_ids(self) -> list[str]:
        return [a.person_id for a in self.authors]


# --- units ---------------------------------------------------------------------------------


async def unit_exists(session: AsyncSession, unit_id: str) -> bool:
    found = await session.execute(select(Unit.id).where(Unit.id == unit_id))
    return found.first() is not None


async def list_units(session: AsyncSession, kind: str | None = None) -> Sequence[Unit]:
    query = select(Unit).order_by(Unit.kind, Unit.id)
    if kind is not None:
        query = query.where(Unit.kind == kind)
    return (await session.scalars(query)).all()


async def upsert_unit(session: AsyncSession, event: UnitUpserted, event_time: datetime) -> None:
    """Keep the newest description of a unit: a late, older event leaves the row alone.

    One statement (insert or conditional update), so concurrent replicas cannot both insert.
    """
    values = {
        "id": event.unit_id,
        "kind": event.kind.value,
        "parent_id": event.parent_id,
        "name_fi": event.name_fi,
        "name_sv": event.name_sv,
        "name_en": event.name_en,
        "hr_event_time": event_time,
        "recorded_at": datetime.now(UTC),
    }
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(Unit).values(**values)
    statement = statement.on_conflict_do_update(
        index_elements=[Unit.id],
        set_={name: statement.excluded[name] for name in values if name != "id"},
        where=Unit.hr_event_time <= statement.excluded.hr_event_time,
    )
    await session.execute(statement)


# --- ideas ---------------------------------------------------------------------------------


async def add_idea(
    session: AsyncSession, idea: Idea, author: IdeaAuthor, first_change: IdeaStatusChange
) -> None:
    session.add(idea)
    # The idea row first: its authors and history refer to it.
    await session.flush()
    session.add_all([author, first_change])
    await session.flush()


async def load_idea(session: AsyncSession, idea_id: str) -> IdeaRecord | None:
    idea = await session.get(Idea, idea_id)
    if idea is None:
        return None
    authors = (
        await session.scalars(
            select(IdeaAuthor)
            .where(IdeaAuthor.idea_id == idea_id)
            .order_by(IdeaAuthor.added_at, IdeaAuthor.person_id)
        )
    ).all()
    history = (
        await session.scalars(
            select(IdeaStatusChange)
            .where(IdeaStatusChange.idea_id == idea_id)
            .order_by(IdeaStatusChange.occurred_at, IdeaStatusChange.id)
        )
    ).all()
    return IdeaRecord(idea, authors, history)


async def list_ideas(
    session: AsyncSession, *, author_id: str | None, limit: int, offset: int
) -> tuple[Sequence[Idea], int]:
    """Submitted ideas, newest first; only ``author_id``'s when given."""
    condition: ColumnElement[bool] = Idea.submitted_at.is_not(None)
    if author_id is not None:
        authored = select(IdeaAuthor.idea_id).where(IdeaAuthor.person_id == author_id)
        condition = condition & Idea.id.in_(authored)
    total = await session.scalar(select(func.count()).select_from(Idea).where(condition))
    page = await session.scalars(
        select(Idea)
        .where(condition)
        .order_by(Idea.submitted_at.desc(), Idea.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return page.all(), int(total or 0)


# --- status projection ---------------------------------------------------------------------


async def apply_status_change(session: AsyncSession, idea: Idea, change: IdeaStatusChange) -> bool:
    """Append ``change`` to the idea's history (once per event) and recompute its status.

    Returns False when the event was already recorded (then nothing changes).
    """
    seen = await session.execute(
        select(IdeaStatusChange.id).where(IdeaStatusChange.event_id == change.event_id)
    )
    if seen.first() is not None:
        return False
    session.add(change)
    await session.flush()
    history = (
        await session.scalars(select(IdeaStatusChange).where(IdeaStatusChange.idea_id == idea.id))
    ).all()
    winner = current_status(
        StatusChange(
            event_id=row.event_id,
            status=IdeaStatus(row.status),
            occurred_at=row.occurred_at,
            case_id=row.case_id,
        )
        for row in history
    )
    if winner is not None and (
        winner.status != idea.status or winner.occurred_at != idea.status_changed_at
    ):
        idea.status = winner.status.value
        idea.status_changed_at = winner.occurred_at
    return True


async def record_reward(session: AsyncSession, reward: IdeaReward) -> bool:
    if await session.get(IdeaReward, reward.grant_id) is not None:
        return False
    session.add(reward)
    idea = await session.get(Idea, reward.idea_id)
    if idea is not None:
        idea.rewarded = True
    return True
