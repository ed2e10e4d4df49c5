"""Claims of both senders (``deliveries``, ``webhook_deliveries``) and the senders' heartbeats.

A sender claims due rows under a token with a lease, naming itself (``holder_id``); it records
that an attempt begins and holds the row over the whole conversation; it records the outcome
only while the claim is still its own. A claim is held while its lease runs **and** its holder
lives: a holder lives while its ``sender_heartbeats`` row was refreshed within the holder
timeout. So a killed sender's claims are free again seconds after its last beat instead of at
the end of a lease sized for the slowest honest attempt (14 minutes for an e-mail), and a slow
sender that lives keeps them. Claims taken before holders were recorded (``holder_id`` NULL)
follow their lease alone. The statements are here; when to run them is the worker's
(``delivery_worker.py``), which rows are due is each channel's (``claims.py``,
``webhook_claims.py``).
"""

from __future__ import annotations

import functools
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol, cast

from sqlalchemy import (
    ColumnElement,
    Select,
    Table,
    Update,
    and_,
    bindparam,
    delete,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from ideapaja_notification.db.models import Delivery, SenderHeartbeat
from ideapaja_notification.db.webhook_models import WebhookDelivery
from ideapaja_notification.domain.deliveries import DeliveryStatus

ClaimTable = type[Delivery] | type[WebhookDelivery]


class Claim(Protocol):
    """What every claimed row carries, whatever its channel."""

    @property
    def id(self) -> str: ...

    @property
    def token(self) -> str: ...

    @property
    def attempts(self) -> int: ...

    @property
    def interrupted_attempt_at(self) -> datetime | None: ...


@dataclass(frozen=True)
class Holder:
    """Who claims: a sender's id, and how long without a beat makes a holder dead."""

    id: str
    timeout: timedelta


@dataclass(frozen=True)
class ClaimRequest:
    """One claim: its token, who claims, at what time, for how long, and whether to skip the
    rows another transaction has locked (PostgreSQL: replicas never take the same row)."""

    token: str
    holder: Holder
    now: datetime
    lease: timedelta
    skip_locked: bool


@dataclass(frozen=True)
class Holding:
    """Rows one holder still holds at start-up, for the log that says whose and why."""

    holder_id: str | None
    host: str | None
    last_seen: datetime | None
    deliveries: int
    until: datetime | None
    alive: bool


def _changed(result: object) -> int:
    return cast(int, getattr(result, "rowcount", 0))


def pending(table: ClaimTable) -> ColumnElement[bool]:
    return table.status == DeliveryStatus.PENDING.value


def live_holders(now: datetime, timeout: timedelta) -> Select[str]:
    return select(SenderHeartbeat.holder_id).where(SenderHeartbeat.seen_at > now - timeout)


def held(table: ClaimTable, now: datetime, holder: Holder) -> ColumnElement[bool]:
    """The row's claim still binds, as ``holder`` sees it: its lease runs and its holder lives
    (or is unknown, or is ``holder`` itself: a worker never counts itself dead, whatever its
    clock did since its last beat)."""
    return and_(
        table.lease_expires_at > now,
        or_(
            table.holder_id.is_(None),
            table.holder_id == holder.id,
            table.holder_id.in_(live_holders(now, holder.timeout)),
        ),
    )


def claimable(table: ClaimTable, now: datetime, holder: Holder) -> ColumnElement[bool]:
    """Nobody else holds the row: never claimed, lease run out, or its holder is dead."""
    return or_(
        table.lease_expires_at.is_(None),
        table.lease_expires_at <= now,
        and_(
            table.holder_id.is_not(None),
            table.holder_id != holder.id,
            table.holder_id.not_in(live_holders(now, holder.timeout)),
        ),
    )


def due(table: ClaimTable, now: datetime, holder: Holder) -> tuple[ColumnElement[bool], ...]:
    return (pending(table), table.next_attempt_at <= now, claimable(table, now, holder))


async def take(
    session: AsyncSession,
    table: ClaimTable,
    ids: Collection[str],
    request: ClaimRequest,
    also: Collection[ColumnElement[bool]] = (),
) -> list[Holding]:
    """Claim ``ids`` (those still due, and ``also`` true) for ``request``; return the dead
    holders they were taken from while their leases still ran (the takeovers to log, count)."""
    now, holder = request.now, request.holder
    before = holdings(table, now, holder.timeout).where(
        table.id.in_(ids), table.lease_expires_at > now, table.holder_id.is_not(None)
    )
    taken_over = [h for h in await _holdings(session, before, now, holder.timeout) if not h.alive]
    await session.execute(
        update(table)
        .where(table.id.in_(ids), *due(table, now, holder), *also)
        .values(
            claim_token=request.token, holder_id=holder.id, lease_expires_at=now + request.lease
        )
        .execution_options(synchronize_session=False)
    )
    return taken_over


async def begin_attempt(
    session: AsyncSession,
    table: ClaimTable,
    claim: Claim,
    *,
    now: datetime,
    lease: timedelta,
    **values: object,
) -> bool:
    """Record that sending begins and hold the row ``lease`` long; False if not ours."""
    return await _update_if_ours(
        session, table, claim, attempt_started_at=now, lease_expires_at=now + lease, **values
    )


async def finish(session: AsyncSession, table: ClaimTable, claim: Claim, **values: object) -> bool:
    """Record an outcome and release the claim, if the claim is still ours (a sender whose
    claim was taken over must not overwrite what the sender that took over recorded)."""
    return await _update_if_ours(
        session,
        table,
        claim,
        claim_token=None,
        holder_id=None,
        lease_expires_at=None,
        attempt_started_at=None,
        **values,
    )


async def _update_if_ours(
    session: AsyncSession, table: ClaimTable, claim: Claim, **values: object
) -> bool:
    """Set ``values`` on the claimed row if the claim is still ours; whether it was."""
    statement = _update_ours(cast(Table, table.__table__), tuple(sorted(values)))
    parameters = {f"new_{key}": value for key, value in values.items()}
    result = await session.execute(
        statement, {"held_id": claim.id, "held_token": claim.token, **parameters}
    )
    return _changed(result) == 1


@functools.cache
def _update_ours(table: Table, keys: tuple[str, ...]) -> Update:
    """The UPDATE of a row still claimed under its token, setting ``keys`` from the parameters
    ``new_<key>``: built once per table and set of columns. Built per mail as an ORM bulk
    update it was a fifth of the e-mail sender's CPU (keyed, compiled, synchronised)."""
    columns = table.c
    return (
        update(table)
        .where(
            columns.id == bindparam("held_id"),
            columns.claim_token == bindparam("held_token"),
            columns.status == DeliveryStatus.PENDING.value,
        )
        .values({key: bindparam(f"new_{key}") for key in keys})
    )


async def release_unbegun(
    session: AsyncSession,
    table: ClaimTable,
    tokens: Collection[str],
    ids: Collection[str] | None = None,
) -> int:
    """Hand back the rows claimed under ``tokens`` (only ``ids``, if given) whose sending has
    not begun."""
    query = update(table).where(
        table.claim_token.in_(tokens), pending(table), table.attempt_started_at.is_(None)
    )
    if ids is not None:
        query = query.where(table.id.in_(ids))
    result = await session.execute(
        query.values(claim_token=None, holder_id=None, lease_expires_at=None).execution_options(
            synchronize_session=False
        )
    )
    return _changed(result)


# holder, its host, its last beat, how many rows, the latest lease (host and beat: NULL when
# the holder left no heartbeat row).
_HoldingRows = Select[str | None, str, datetime, int, datetime | None]


def holdings(table: ClaimTable, now: datetime, timeout: timedelta) -> _HoldingRows:
    """Pending rows under a running lease, by holder, with the holder's last beat."""
    return (
        select(
            table.holder_id,
            func.max(SenderHeartbeat.host),
            func.max(SenderHeartbeat.seen_at),
            func.count(),
            func.max(table.lease_expires_at),
        )
        .outerjoin(SenderHeartbeat, SenderHeartbeat.holder_id == table.holder_id)
        .where(pending(table), table.lease_expires_at > now)
        .group_by(table.holder_id)
    )


async def _holdings(
    session: AsyncSession, query: _HoldingRows, now: datetime, dead_after: timedelta
) -> list[Holding]:
    found = []
    for holder_id, host, seen, count, until in (await session.execute(query)).all():
        seen_at = cast(datetime | None, seen)
        found.append(
            Holding(
                holder_id=holder_id,
                host=cast(str | None, host),
                last_seen=seen_at,
                deliveries=int(count),
                until=until,
                # A claim with no holder recorded binds until its lease runs out.
                alive=holder_id is None or (seen_at is not None and seen_at > now - dead_after),
            )
        )
    return found


async def held_by_holder(
    session: AsyncSession, table: ClaimTable, now: datetime, dead_after: timedelta
) -> list[Holding]:
    """Who holds pending rows at ``now`` (each holder once), and whether it still lives."""
    return await _holdings(session, holdings(table, now, dead_after), now, dead_after)


# --- Heartbeats ---------------------------------------------------------------------------------


async def beat(
    session: AsyncSession, holder_id: str, *, worker: str, host: str, now: datetime
) -> None:
    """Say the holder lives at ``now`` (only the holder writes its row: no race to insert)."""
    result = await session.execute(
        update(SenderHeartbeat).where(SenderHeartbeat.holder_id == holder_id).values(seen_at=now)
    )
    if _changed(result) == 0:
        await session.execute(
            insert(SenderHeartbeat).values(
                holder_id=holder_id, worker=worker, host=host, started_at=now, seen_at=now
            )
        )


async def forget(session: AsyncSession, holder_id: str) -> None:
    """A graceful stop: the holder is gone, whatever it still held is free at once."""
    await session.execute(delete(SenderHeartbeat).where(SenderHeartbeat.holder_id == holder_id))


async def forget_stale(session: AsyncSession, before: datetime) -> int:
    """Drop the rows of senders long dead (a missing row counts as dead: dropping is safe)."""
    result = await session.execute(delete(SenderHeartbeat).where(SenderHeartbeat.seen_at < before))
    return _changed(result)
