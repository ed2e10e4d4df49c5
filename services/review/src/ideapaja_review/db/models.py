"""The review service's own tables: the org projection from HR, cases, reviewers, history."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from ideapaja_runtime.db import service_metadata

ID = 64


class ReviewBase(DeclarativeBase):
    """The review service's own tables (see ``service_metadata`` for why not a shared base)."""

    metadata = service_metadata()


class OrgUnitRow(ReviewBase):
    """Units and departments as HR last described them (UnitUpserted)."""

    __tablename__ = "org_units"

    unit_id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    parent_id: Mapped[str | None] = mapped_column(String(ID))
    name_fi: Mapped[str] = mapped_column(String(200), default="")
    # The HR event time of the version stored: an older event arriving late changes nothing.
    as_of: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class OrgPersonRow(ReviewBase):
    """People, only as far as routing needs them: unit, roles, still in service. No contact data."""

    __tablename__ = "org_people"

    person_id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    # Unknown when PersonLeft is the first we hear of someone.
    unit_id: Mapped[str | None] = mapped_column(String(ID), index=True)
    active: Mapped[bool] = mapped_column(Boolean)
    as_of: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class OrgPersonRoleRow(ReviewBase):
    __tablename__ = "org_person_roles"

    person_id: Mapped[str] = mapped_column(
        String(ID), ForeignKey("org_people.person_id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(32), primary_key=True, index=True)


class CaseRow(ReviewBase):
    """One review case per idea, with the idea's content as submitted for the reviewers."""

    __tablename__ = "review_cases"

    case_id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    idea_id: Mapped[str] = mapped_column(String(ID), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    problem: Mapped[str] = mapped_column(Text)
    solution: Mapped[str] = mapped_column(Text)
    benefit: Mapped[str] = mapped_column(Text, default="")
    scope: Mapped[str] = mapped_column(String(16))
    unit_id: Mapped[str] = mapped_column(String(ID))
    language: Mapped[str] = mapped_column(String(2))
    anonymous: Mapped[bool] = mapped_column(Boolean)
    author_ref: Mapped[str] = mapped_column(String(ID))
    # Kept for conflict-of-interest checks; never shown when the idea is anonymous.
    author_ids: Mapped[list[str]] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(32))
    decision: Mapped[str | None] = mapped_column(String(32))
    routed: Mapped[bool] = mapped_column(Boolean)
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    screening_due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decided_by: Mapped[str | None] = mapped_column(String(ID))
    rationale: Mapped[str | None] = mapped_column(Text)
    duplicate_of: Mapped[str | None] = mapped_column(String(ID))
    forwarded_to_unit_id: Mapped[str | None] = mapped_column(String(ID))

    __table_args__ = (
        Index("ix_review_cases_state_opened", "state", "opened_at"),
        Index("ix_review_cases_routed_state", "routed", "state"),
    )


class CaseReviewerRow(ReviewBase):
    __tablename__ = "case_reviewers"

    case_id: Mapped[str] = mapped_column(
        String(ID), ForeignKey("review_cases.case_id"), primary_key=True
    )
    person_id: Mapped[str] = mapped_column(String(ID), primary_key=True, index=True)


class CaseHistoryRow(ReviewBase):
    """Append-only: every step of a case with who, when and why. Rows are never updated."""

    __tablename__ = "case_history"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(String(ID), ForeignKey("review_cases.case_id"))
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # None when the service itself acted (opening, routing); a person id otherwise.
    actor_id: Mapped[str | None] = mapped_column(String(ID))
    action: Mapped[str] = mapped_column(String(32))
    from_state: Mapped[str | None] = mapped_column(String(32))
    to_state: Mapped[str] = mapped_column(String(32))
    decision: Mapped[str | None] = mapped_column(String(32))
    reason: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    __table_args__ = (Index("ix_case_history_case_seq", "case_id", "seq"),)


class RoutingLockRow(ReviewBase):
    """One row that routing transactions lock first, so opening a case and routing it again on
    new HR data never miss each other (PostgreSQL; SQLite serialises writers anyway)."""

    __tablename__ = "routing_lock"

    lock_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
