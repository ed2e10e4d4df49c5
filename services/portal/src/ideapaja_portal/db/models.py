"""The portal's own tables: sessions and people's language choices. No business data: every idea,
case, point and message is read from the service that owns it, with the person's token."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from ideapaja_runtime.clock import UtcDateTime
from ideapaja_runtime.db import service_metadata

ID = 64


class PortalBase(DeclarativeBase):
    metadata = service_metadata()


class SessionRow(PortalBase):
    """A browser's session, found by the SHA-256 of its cookie (the cookie itself is never
    stored, so a copy of the database opens no session)."""

    __tablename__ = "portal_sessions"
    __table_args__ = (Index("ix_portal_sessions_expires", "expires_at"),)

    key_hash: Mapped[str] = mapped_column(String(ID), primary_key=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    person_id: Mapped[str | None] = mapped_column(String(ID), default=None, index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # The end of the person's access token, or of a login in progress.
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())


class LanguageChoice(PortalBase):
    """The language a person chose in the portal, kept across sessions and devices."""

    __tablename__ = "portal_language_choices"

    person_id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    language: Mapped[str] = mapped_column(String(8))
    chosen_at: Mapped[datetime] = mapped_column(UtcDateTime())
