"""Ideas in the tables: one idea with its authors, history, files and rewards; inserting new
ideas in batches; locking, versions, the status projection."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, case, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from ideapaja_intake.db.models import (
    Idea,
    IdeaAttachment,
    IdeaAuthor,
    IdeaReward,
    IdeaStatusChange,
    IdeaSupport,
    IdeaVersion,
)
from ideapaja_intake.db.sql import dialect_of, rows_where
from ideapaja_intake.domain.status import IdeaStatus, StatusChange, current_status


@dataclass(frozen=True)
class IdeaRecord:
    idea: Idea
    authors: Sequence[IdeaAuthor]
    history: Sequence[IdeaStatusChange]
    attachments: Sequence[IdeaAttachment] = ()
    rewards: Sequence[IdeaReward] = ()
    # Only a new idea's record carries its first version (to insert it); reads leave it empty.
    versions: Sequence[IdeaVersion] = ()

    @property
    def author_ids(self) -> list[str]:
        """The confirmed authors (who are rewarded and may edit)."""
        return [a.person_id for a in self.authors if a.confirmed_at is not None]

    @property
    def invited_ids(self) -> list[str]:
        """Co-authors invited who have not confirmed yet."""
        return [a.person_id for a in self.authors if a.confirmed_at is None]

    @property
    def submitter_id(self) -> str:
        return next(a.person_id for a in self.authors if a.kind == "submitter")


# --- ideas ---------------------------------------------------------------------------------


def version_of(idea: Idea, edited_by: str, reason: str, now: datetime) -> IdeaVersion:
    """The idea's text as it stands now, kept as the version of its current revision."""
    return IdeaVersion(
        idea_id=idea.id,
        revision=idea.revision,
        title=idea.title,
        problem=idea.problem,
        solution=idea.solution,
        benefit=idea.benefit,
        category=idea.category,
        benefit_kinds=list(idea.benefit_kinds or []),
        edited_by=edited_by,
        reason=reason,
        created_at=now,
    )


def insert_ideas(session: Session, records: Sequence[IdeaRecord]) -> None:
    """Insert new ideas with their authors and first history entry, one statement per table
    for the whole batch (the ORM's unit of work would flush row by row). Synchronous: part of
    the submission batch's ``Database.run_transaction``."""
    rows: dict[Any, list[dict[str, Any]]] = {}
    for record in records:
        for row in (record.idea, *record.authors, *record.history, *record.versions):
            rows.setdefault(row.__table__, []).append(_values(row))
    # The idea rows first: authors, history and versions refer to them.
    connection = session.connection()  # plain Core inserts, without the ORM's bulk layer
    for table in sorted(rows, key=lambda t: t is not Idea.__table__):
        connection.execute(table.insert(), rows[table])


def _values(row: Any) -> dict[str, Any]:
    """The column values set on a new (transient) row; the rest take the column defaults."""
    given = row.__dict__
    return {c.key: given[c.key] for c in row.__table__.columns if c.key in given}


async def load_idea(session: AsyncSession, idea_id: str) -> IdeaRecord | None:
    idea = await session.get(Idea, idea_id)
    if idea is None:
        return None
    authors = await rows_where(
        session,
        IdeaAuthor.idea_id == idea_id,
        IdeaAuthor.added_at,
        # The submitter first, also when co-authors invited with the submission sort before
        # them (a former employee's token).
        case((IdeaAuthor.kind == "submitter", 0), else_=1),
        IdeaAuthor.person_id,
    )
    history = await rows_where(
        session,
        IdeaStatusChange.idea_id == idea_id,
        IdeaStatusChange.occurred_at,
        IdeaStatusChange.id,
    )
    attachments = await rows_where(
        session, IdeaAttachment.idea_id == idea_id, IdeaAttachment.uploaded_at, IdeaAttachment.id
    )
    rewards = await rows_where(
        session, IdeaReward.idea_id == idea_id, IdeaReward.granted_at, IdeaReward.grant_id
    )
    return IdeaRecord(idea, authors, history, attachments, rewards)


async def lock_idea(session: AsyncSession, idea_id: str) -> Idea | None:
    """The idea, locked for the rest of the transaction on PostgreSQL (SQLite transactions
    already hold the database's write lock), so concurrent edits and counters serialise."""
    query = select(Idea).where(Idea.id == idea_id)
    if dialect_of(session) == "postgresql":
        query = query.with_for_update()
    return (await session.scalars(query)).one_or_none()


def versions_of(idea_id: str) -> Select[IdeaVersion]:
    """The idea's versions, unordered (listed by revision)."""
    return select(IdeaVersion).where(IdeaVersion.idea_id == idea_id)


async def is_supporter(session: AsyncSession, idea_id: str, person_id: str) -> bool:
    return await session.get(IdeaSupport, (idea_id, person_id)) is not None


async def confirmed_authors(session: AsyncSession, idea_id: str) -> list[str]:
    rows = await session.scalars(
        select(IdeaAuthor.person_id)
        .where(IdeaAuthor.idea_id == idea_id, IdeaAuthor.confirmed_at.is_not(None))
        .order_by(IdeaAuthor.confirmed_at, IdeaAuthor.person_id)
    )
    return list(rows)


# --- status projection ---------------------------------------------------------------------


async def apply_status_change(session: AsyncSession, idea: Idea, change: IdeaStatusChange) -> bool:
    """Append ``change`` to the idea's history (once per event) and recompute its status.

    Returns False when the event was already recorded (then nothing changes). One read of the
    idea's history answers both (an event is about one idea), and the new entry joins it in
    memory: a consumer's event costs one query here, not a lookup, a flush and a read back.
    """
    history = (
        await session.scalars(select(IdeaStatusChange).where(IdeaStatusChange.idea_id == idea.id))
    ).all()
    if any(row.event_id == change.event_id for row in history):
        return False
    session.add(change)
    winner = current_status(
        StatusChange(
            event_id=row.event_id,
            status=IdeaStatus(row.status),
            occurred_at=row.occurred_at,
            case_id=row.case_id,
        )
        for row in (*history, change)
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
