"""The intake service's own tables (its own database; nobody else reads them)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from ideapaja_runtime.db import service_metadata


class IntakeBase(DeclarativeBase):
    """The intake service's own tables (see ``service_metadata`` for why not a shared base)."""

    metadata = service_metadata()


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every dialect (SQLite would hand back naive ones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: store timezone-aware values only")
        value = value.astimezone(UTC)
        # SQLite compares timestamps as text: one format (naive UTC) keeps that ordering right.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Unit(IntakeBase):
    """The city's units and departments as HR last described them (projection of UnitUpserted)."""

    __tablename__ = "units"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    # No foreign key: HR may describe a unit before its department.
    parent_id: Mapped[str | None] = mapped_column(String(64))
    name_fi: Mapped[str] = mapped_column(String(200))
    name_sv: Mapped[str] = mapped_column(String(200), default="")
    name_en: Mapped[str] = mapped_column(String(200), default="")
    # Time of the HR event this row comes from: an older event arriving late changes nothing.
    hr_event_time: Mapped[datetime] = mapped_column(UtcDateTime)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Idea(IntakeBase):
    """An idea as its authors wrote it. ``revision`` counts edits from 1 (the submission)."""

    __tablename__ = "ideas"
    __table_args__ = (
        CheckConstraint("scope IN ('unit', 'department', 'city')", name="scope"),
        CheckConstraint("language IN ('fi', 'sv', 'en')", name="language"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    problem: Mapped[str] = mapped_column(Text)
    solution: Mapped[str] = mapped_column(Text)
    benefit: Mapped[str] = mapped_column(Text, default="")
    scope: Mapped[str] = mapped_column(String(20))
    # No foreign key to units: that table is a projection of HR data and may be rebuilt.
    unit_id: Mapped[str] = mapped_column(String(64), index=True)
    language: Mapped[str] = mapped_column(String(2))
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    channel: Mapped[str] = mapped_column(String(20))
    # Pseudonym shown instead of the authors (the submitter's, see domain/pseudonym.py).
    author_ref: Mapped[str] = mapped_column(String(64))
    revision: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(32), index=True)
    status_changed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # Null while an idea is a draft (drafts come later); set once it enters review.
    submitted_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)
    rewarded: Mapped[bool] = mapped_column(Boolean, default=False)


class IdeaAuthor(IntakeBase):
    """A person behind an idea: the submitter now; co-authors (unconfirmed until they accept)
    later."""

    __tablename__ = "idea_authors"

    idea_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("ideas.id", ondelete="CASCADE"), primary_key=True
    )
    person_id: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)
    kind: Mapped[str] = mapped_column(String(20))  # submitter | co_author
    author_ref: Mapped[str] = mapped_column(String(64))
    added_at: Mapped[datetime] = mapped_column(UtcDateTime)
    confirmed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class IdeaStatusChange(IntakeBase):
    """Every status an idea has had: who, when, why. Appended to, never rewritten."""

    __tablename__ = "idea_status_history"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    idea_id: Mapped[str] = mapped_column(String(64), ForeignKey("ideas.id", ondelete="CASCADE"))
    # The CloudEvents id of the event that caused the change: one row per event.
    event_id: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(32))
    case_id: Mapped[str | None] = mapped_column(String(64))
    # The reviewer who decided (none for the submission, which may be anonymous).
    actor_id: Mapped[str | None] = mapped_column(String(64))
    rationale: Mapped[str | None] = mapped_column(Text)
    duplicate_of: Mapped[str | None] = mapped_column(String(64))
    forwarded_to_unit_id: Mapped[str | None] = mapped_column(String(64))
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)


class IdeaReward(IntakeBase):
    """A reward granted for an idea (projection of RewardGranted; amounts stay with reward)."""

    __tablename__ = "idea_rewards"

    grant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    idea_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("ideas.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(20))
    granted_at: Mapped[datetime] = mapped_column(UtcDateTime)


Index("ix_idea_status_history_order", IdeaStatusChange.idea_id, IdeaStatusChange.occurred_at)
