"""The privacy service's own tables. None holds more than opaque person ids: no names, no e-mail.

``people`` follows HR (PersonUpserted/PersonLeft) only as far as retention needs: in service or
left on which day, and the erasure round. ``erasures`` is every erasure requested, a legal record of
its own. ``privacy_audit`` is append-only (database triggers): erasure requests and access report
views, with who and when.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from ideapaja_runtime.clock import UtcDateTime
from ideapaja_runtime.db import service_metadata

ID = 64
SHORT_TEXT = 200


class PrivacyBase(DeclarativeBase):
    """The privacy service's tables (see ``service_metadata`` for why not a shared base)."""

    metadata = service_metadata()


class PersonRow(PrivacyBase):
    __tablename__ = "people"
    __table_args__ = (Index("ix_people_left", "in_service", "left_on_date"),)

    person_id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    in_service: Mapped[bool] = mapped_column(Boolean)
    # As HR sent it (PersonLeft.left_on), and the day it means (retention counts from it).
    left_on: Mapped[str | None] = mapped_column(String(SHORT_TEXT), default=None)
    left_on_date: Mapped[date | None] = mapped_column(Date, default=None)
    # The HR event time of the latest HR event applied: an older one arriving late is ignored.
    hr_as_of: Mapped[datetime] = mapped_column(UtcDateTime())
    # 1 until HR describes the person again after an erasure (re-hired), see domain/erasure.py.
    erasure_round: Mapped[int] = mapped_column(Integer, default=1)


class ErasureRow(PrivacyBase):
    __tablename__ = "erasures"
    __table_args__ = (
        # One erasure per person and round: racing requests and replicas meet here.
        UniqueConstraint("person_id", "erasure_round", name="uq_erasures_person_round"),
        Index("ix_erasures_requested", "requested_at", "erasure_id"),
    )

    erasure_id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    person_id: Mapped[str] = mapped_column(String(ID))
    erasure_round: Mapped[int] = mapped_column(Integer)
    basis: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(SHORT_TEXT))
    requested_by: Mapped[str] = mapped_column(String(ID))
    requested_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # When the person's record subject was deleted from the HR stream (None: still to do).
    hr_record_deleted_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    # When the dead letters concerning the person were deleted, and how many (None: to do).
    dead_letters_deleted_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    dead_letters_deleted: Mapped[int | None] = mapped_column(Integer, default=None)


class AuditRow(PrivacyBase):
    """Append-only: who requested which erasure and who viewed whose access report, when."""

    __tablename__ = "privacy_audit"
    __table_args__ = (Index("ix_privacy_audit_person", "person_id", "seq"),)

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime())
    actor_id: Mapped[str] = mapped_column(String(ID))
    action: Mapped[str] = mapped_column(String(48))
    # Whose data the action concerned.
    person_id: Mapped[str] = mapped_column(String(ID))
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
