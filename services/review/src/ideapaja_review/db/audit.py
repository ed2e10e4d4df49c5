"""The append-only audit log of configuration changes (routing rules, the change-agent network,
committees). Case actions have their own history (``case_history``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase

from ideapaja_review.db.models import AuditRow
from ideapaja_runtime.uow import UnitOfWork

M = TypeVar("M", bound=DeclarativeBase)


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


@dataclass(frozen=True)
class Change:
    """Who changed the configuration, when, and the audit entry's action and subject."""

    actor_id: str
    now: datetime
    action: str
    subject: str

    def record(self, session: AsyncSession, details: dict[str, Any]) -> None:
        record(
            session,
            actor_id=self.actor_id,
            action=self.action,
            subject=self.subject,
            now=self.now,
            details=details,
        )


async def save(
    session: AsyncSession,
    model: type[M],
    key: dict[str, Any],
    values: dict[str, Any],
    change: Change,
    details: Callable[[dict[str, Any] | None], dict[str, Any]],
) -> M:
    """Set ``values`` on the configuration row at ``key`` (adding it if there is none) and audit
    the change; ``details`` gets the values the row had before (``None``: it is new)."""
    row = await session.get(model, key)
    previous = None
    if row is None:
        row = model(**key, **values)
        session.add(row)
    else:
        previous = {name: getattr(row, name) for name in values}
        for name, value in values.items():
            setattr(row, name, value)
    change.record(session, details(previous))
    await session.flush()
    return row


async def delete(
    session: AsyncSession,
    model: type[M],
    key: dict[str, Any],
    change: Change,
    details: Callable[[M], dict[str, Any]],
) -> bool:
    """Delete the configuration row at ``key`` and audit it (``details`` of the row); False
    where there is none."""
    row = await session.get(model, key)
    if row is None:
        return False
    change.record(session, details(row))
    await session.delete(row)
    await session.flush()
    return True
