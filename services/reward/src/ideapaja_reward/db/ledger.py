"""The points ledger as the incentive rules read and append it: prebuilt statements, and the new
rows as plain values.

Every outcome asks the ledger the same few questions and appends the same two rows. Built once,
each statement's cache key is computed at import and every execution finds its compiled form;
rows inserted as values skip the ORM's flush, which sorted, inserted and then tracked each
object (profiled in the ``reward-decisions`` consumer: ORM loads and flushes were most of an
event's CPU). Reads and corrections still use ``LedgerEntry`` and ``RewardGrant``.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlalchemy import Table, bindparam, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from ideapaja_reward.db.models import LedgerEntry, RewardGrant
from ideapaja_reward.domain import Outcome


@dataclass(frozen=True)
class NewEntry:
    """A ledger entry to append: ``LedgerEntry``'s columns (those an incentive rule fills)."""

    entry_id: str
    source_key: str
    idea_id: str
    person_id: str | None
    unit_id: str
    rule: str
    rule_version: int | None
    points: int
    capped_from: int | None
    reason: str
    cause_event_id: str
    occurred_at: datetime
    created_at: datetime
    corrects_entry_id: str | None = None


@dataclass(frozen=True)
class NewGrant:
    """A grant to append: ``RewardGrant``'s columns (those an incentive rule fills)."""

    grant_id: str
    idea_id: str
    person_id: str
    origin: str
    kind: str
    amount_cents: int
    currency: str | None
    points: int
    reason: str
    ledger_entry_id: str
    cause_event_id: str
    granted_at: datetime
    unit_id: str | None
    department_id: str | None
    taxable: bool | None
    days: int | None = None


_LEDGER = cast(Table, LedgerEntry.__table__)
_IN_LEDGER = select(_LEDGER.c.entry_id).where(
    _LEDGER.c.entry_id.in_(bindparam("entry_ids", expanding=True))
)
_POINTS = func.coalesce(func.sum(_LEDGER.c.points), 0)
_RULES = [o.value for o in Outcome]
_IN_PERIOD = select(_POINTS).where(
    _LEDGER.c.person_id == bindparam("person_id"),
    _LEDGER.c.rule.in_(_RULES),
    _LEDGER.c.occurred_at >= bindparam("start", type_=_LEDGER.c.occurred_at.type),
    _LEDGER.c.occurred_at < bindparam("end", type_=_LEDGER.c.occurred_at.type),
)
_ON_IDEA = select(_POINTS).where(
    _LEDGER.c.idea_id == bindparam("idea_id"),
    _LEDGER.c.person_id == bindparam("person_id"),
    _LEDGER.c.rule == bindparam("rule"),
)
_INSERT_ENTRY = insert(_LEDGER)
_INSERT_GRANT = insert(cast(Table, RewardGrant.__table__))


async def entries_among(session: AsyncSession, entry_ids: Collection[str]) -> set[str]:
    """Which of ``entry_ids`` are in the ledger."""
    found = await session.scalars(_IN_LEDGER, {"entry_ids": list(entry_ids)})
    return set(found.all())


async def points_by_rules(
    session: AsyncSession, person_id: str, start: datetime, end: datetime
) -> int:
    """The points ``person_id`` earned from the incentive rules in [start, end)."""
    params = {"person_id": person_id, "start": start, "end": end}
    return int(await session.scalar(_IN_PERIOD, params) or 0)


async def points_on_idea(session: AsyncSession, idea_id: str, person_id: str, rule: str) -> int:
    """The points ``person_id`` earned from ``idea_id`` by ``rule``."""
    params = {"idea_id": idea_id, "person_id": person_id, "rule": rule}
    return int(await session.scalar(_ON_IDEA, params) or 0)


async def append(session: AsyncSession, entry: NewEntry, grant: NewGrant | None) -> None:
    """Insert the entry and its grant (if any). A source already in the ledger fails its unique
    key, and with it the transaction (its redelivery then finds the entry and skips)."""
    await session.execute(_INSERT_ENTRY, vars(entry))
    if grant is not None:
        await session.execute(_INSERT_GRANT, vars(grant))
