"""The append-only audit log of configuration changes (routing rules, the change-agent network,
committees). Case actions have their own history (``case_history``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ideapaja_review.db.models import AuditRow
from ideapaja_runtime.uow import UnitOfWork


def record(
    session: AsyncSession,
    *,
    actor_id: str,
    action: str,
    subject: str,
    now: datetime,
    details: dict[str, Any] | None = None,
) -> None:
    session.add(
        AuditRow(
            occurred_at=now, actor_id=actor_id, action=action, subject=subject, details=details
        )
    )


def record_by(
    uow: UnitOfWork[Any], action: str, subject: str, details: dict[str, Any] | None = None
) -> None:
    """Audit what the acting person did, at the unit of work's time."""
    record(
        uow.session,
        actor_id=uow.person.person_id,
        action=action,
        subject=subject,
        now=uow.now,
        details=details,
    )
