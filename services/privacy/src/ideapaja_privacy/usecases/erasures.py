"""Erasures: requesting one (on request or by retention), deleting the HR record, reading them.

Every function that changes state runs inside the caller's transaction unless it opens its own;
the erasure row, its ErasureRequested event (outbox) and its audit entry commit together.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, NotRequired, TypedDict, Unpack, cast

from nats.js.errors import NotFoundError
from sqlalchemy import exists, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from ideapaja_contracts.base import is_citizen_id
from ideapaja_contracts.events.privacy import ErasureBasis, ErasureRequested
from ideapaja_privacy.db.models import AuditRow, ErasureRow, PersonRow
from ideapaja_privacy.domain.dead_letters import concerned, hr_record_subject
from ideapaja_privacy.domain.erasure import RETENTION_ACTOR, AuditAction, erasure_id
from ideapaja_privacy.domain.retention import due_cutoff, retention_reason
from ideapaja_runtime.clock import Clock
from ideapaja_runtime.db import Database, is_sqlite
from ideapaja_runtime.errors import InvalidInput
from ideapaja_runtime.logging import get_logger
from ideapaja_runtime.messaging import header_text
from ideapaja_runtime.outbox import Outbox

log = get_logger(__name__)


def audit(
    session: AsyncSession,
    *,
    actor_id: str,
    action: AuditAction,
    person_id: str,
    now: datetime,
    details: dict[str, Any] | None = None,
) -> None:
    session.add(
        AuditRow(
            occurred_at=now,
            actor_id=actor_id,
            action=action.value,
            person_id=person_id,
            details=details,
        )
    )


async def current_round(session: AsyncSession, person_id: str) -> int:
    person = await session.get(PersonRow, person_id)
    return person.erasure_round if person is not None else 1


async def erasure_of(session: AsyncSession, person_id: str, round_: int) -> ErasureRow | None:
    found = await session.scalar(
        select(ErasureRow).where(
            ErasureRow.person_id == person_id, ErasureRow.erasure_round == round_
        )
    )
    return found


async def current_erasure(session: AsyncSession, person_id: str) -> ErasureRow | None:
    return await erasure_of(session, person_id, await current_round(session, person_id))


@dataclass(frozen=True)
class Requested:
    erasure: ErasureRow
    created: bool


async def request_erasure(
    session: AsyncSession,
    outbox: Outbox,
    *,
    person_id: str,
    requested_by: str,
    reason: str,
    basis: ErasureBasis,
    now: datetime,
    traceparent: str | None = None,
) -> Requested:
    """Record the erasure and emit ErasureRequested; the existing one if already requested."""
    round_ = await current_round(session, person_id)
    existing = await erasure_of(session, person_id, round_)
    if existing is not None:
        audit(
            session,
            actor_id=requested_by,
            action=AuditAction.ERASURE_REQUEST_REPEATED,
            person_id=person_id,
            now=now,
            details={"erasure_id": existing.erasure_id, "basis": basis.value},
        )
        return Requested(existing, created=False)
    known = is_citizen_id(person_id) or await session.get(PersonRow, person_id) is not None
    if not known:
        # A mistyped id would erase nobody and still look done; a citizen is never sent by HR.
        raise InvalidInput(
            "person_id",
            f"HR has not sent {person_id}: check the id (people come from HR; citizens' ids "
            "look like c- and 24 hex digits).",
        )
    row = ErasureRow(
        erasure_id=erasure_id(person_id, round_),
        person_id=person_id,
        erasure_round=round_,
        basis=basis.value,
        reason=reason,
        requested_by=requested_by,
        requested_at=now,
    )
    session.add(row)
    # The unique key (person, round) decides between racing requests before anything else.
    await session.flush()
    await outbox.add(
        session,
        ErasureRequested(
            erasure_id=row.erasure_id,
            person_id=person_id,
            requested_by=requested_by,
            reason=reason,
            basis=basis,
        ),
        traceparent=traceparent,
        # The erasure id is the event id: a re-emitted copy can never look like a new erasure.
        event_id=row.erasure_id,
    )
    audit(
        session,
        actor_id=requested_by,
        action=AuditAction.ERASURE_REQUESTED,
        person_id=person_id,
        now=now,
        details={"erasure_id": row.erasure_id, "basis": basis.value, "reason": reason},
    )
    return Requested(row, created=True)


class ErasureAsked(TypedDict):
    """``request_erasure``'s keyword arguments, for ``request`` to hand on."""

    person_id: str
    requested_by: str
    reason: str
    basis: ErasureBasis
    now: datetime
    traceparent: NotRequired[str | None]


async def request(db: Database, outbox: Outbox, **asked: Unpack[ErasureAsked]) -> Requested:
    """``request_erasure`` in its own transaction; a request that lost a race to another one for
    the same person gets that one."""

    async def attempt() -> Requested:
        async with db.transaction() as session:
            return await request_erasure(session, outbox, **asked)

    try:
        return await attempt()
    except IntegrityError:
        # Another request for the person committed first: this one now finds (and audits) it.
        return await attempt()


# --- Retention --------------------------------------------------------------------------------


async def request_due(
    db: Database,
    outbox: Outbox,
    *,
    today: date,
    now: datetime,
    retention_days: int,
    batch_size: int = 100,
) -> list[str]:
    """Request the erasure of everyone whose retention ran out; the erasure ids requested.

    Safe with replicas: each locks the people it handles (``SKIP LOCKED`` on PostgreSQL, so two
    replicas never handle the same person; SQLite has one writer), and the unique (person, round)
    key stops any race that got past the lock.
    """
    cutoff = due_cutoff(today, retention_days)
    requested: list[str] = []
    while True:
        async with db.transaction() as session:
            already = exists().where(
                ErasureRow.person_id == PersonRow.person_id,
                ErasureRow.erasure_round == PersonRow.erasure_round,
            )
            query = (
                select(PersonRow)
                .where(
                    PersonRow.in_service.is_(False),
                    PersonRow.left_on_date.is_not(None),
                    PersonRow.left_on_date <= cutoff,
                    ~already,
                )
                .order_by(PersonRow.left_on_date, PersonRow.person_id)
                .limit(batch_size)
            )
            if not is_sqlite(db.url):
                query = query.with_for_update(skip_locked=True, of=PersonRow)
            due = list((await session.scalars(query)).all())
            for person in due:
                assert person.left_on_date is not None  # filtered above
                try:
                    async with session.begin_nested():
                        done = await request_erasure(
                            session,
                            outbox,
                            person_id=person.person_id,
                            requested_by=RETENTION_ACTOR,
                            reason=retention_reason(person.left_on_date, retention_days),
                            basis=ErasureBasis.RETENTION,
                            now=now,
                        )
                except IntegrityError:
                    log.info("retention_erasure_raced", person_id=person.person_id)
                    continue
                if done.created:
                    requested.append(done.erasure.erasure_id)
        if len(due) < batch_size:
            return requested


# --- The HR stream ----------------------------------------------------------------------------


async def _pending(
    db: Database, done_at: Any, person_id: str | None, batch_size: int
) -> Sequence[ErasureRow]:
    """Erasures whose step ``done_at`` (a timestamp column) is still open, oldest first: only
    those of the person's current round (after a re-hire, new records are new data), or of
    people never seen."""
    async with db.transaction() as session:
        current = PersonRow.erasure_round == ErasureRow.erasure_round
        query = (
            select(ErasureRow)
            .outerjoin(PersonRow, PersonRow.person_id == ErasureRow.person_id)
            .where(done_at.is_(None), current | PersonRow.person_id.is_(None))
            .order_by(ErasureRow.requested_at, ErasureRow.erasure_id)
            .limit(batch_size)
        )
        if person_id is not None:
            query = query.where(ErasureRow.person_id == person_id)
        return (await session.scalars(query)).all()


async def _close_step(
    db: Database,
    erasure: ErasureRow,
    done_at: Any,
    now: datetime,
    action: AuditAction,
    details: dict[str, Any],
    **values: Any,
) -> bool:
    """Close the erasure's step ``done_at`` at ``now`` (with ``values``) and audit it, once:
    False where it was closed already (by another replica)."""
    async with db.transaction() as session:
        result = await session.execute(
            update(ErasureRow)
            .where(ErasureRow.erasure_id == erasure.erasure_id, done_at.is_(None))
            .values({done_at.key: now, **values})
            .execution_options(synchronize_session=False)
        )
        if cast(int, getattr(result, "rowcount", 0)) != 1:
            return False
        audit(
            session,
            actor_id=RETENTION_ACTOR,
            action=action,
            person_id=erasure.person_id,
            now=now,
            details={"erasure_id": erasure.erasure_id, **details},
        )
    return True


async def delete_hr_records(
    db: Database,
    js: Any,
    hr_stream: str,
    clock: Clock,
    *,
    person_id: str | None = None,
    batch_size: int = 100,
) -> list[str]:
    """Delete the HR record subject of each erasure that still has one (of ``person_id`` only, if
    given); the erasure ids done. A failure leaves the erasure for the next sweep.

    Only an erasure of the person's current round: after a re-hire, HR's record is new data.
    """
    pending = await _pending(db, ErasureRow.hr_record_deleted_at, person_id, batch_size)
    done: list[str] = []
    for erasure in pending:
        subject = hr_record_subject(erasure.person_id)
        try:
            await js.purge_stream(hr_stream, subject=subject)
        except Exception as exc:
            log.warning("hr_record_delete_failed", erasure_id=erasure.erasure_id, error=repr(exc))
            continue
        closed = await _close_step(
            db,
            erasure,
            ErasureRow.hr_record_deleted_at,
            clock(),
            AuditAction.HR_RECORD_DELETED,
            {"subject": subject},
        )
        if closed:
            done.append(erasure.erasure_id)
        log.info("hr_record_deleted", erasure_id=erasure.erasure_id)
    return done


# --- The dead letters -------------------------------------------------------------------------


async def find_dead_letters(
    js: Any, stream: str, person_ids: Sequence[str]
) -> dict[str, list[int]]:
    """The sequences of the dead letters that concern each of ``person_ids``: one pass over the
    stream (bounded by its maximum age), message by message."""
    found: dict[str, list[int]] = {person_id: [] for person_id in person_ids}
    if not person_ids:
        return found
    try:
        await js.stream_info(stream)
    except NotFoundError:
        return found
    seq = 1
    while True:
        try:
            # The next message at or after seq: deleted sequences are skipped.
            raw = await js.get_msg(stream, seq=seq, subject=">", next=True)
        except NotFoundError:
            return found
        headers: Mapping[str, str] = {
            str(k): header_text(v) for k, v in (raw.headers or {}).items()
        }
        for person_id in concerned(headers, bytes(raw.data or b""), person_ids):
            found[person_id].append(int(raw.seq))
        seq = int(raw.seq) + 1


async def delete_dead_letters(
    db: Database,
    js: Any,
    stream: str,
    clock: Clock,
    *,
    person_id: str | None = None,
    batch_size: int = 100,
) -> list[str]:
    """Delete the dead letters that concern the person of each erasure not yet done (of
    ``person_id`` only, if given), record how many and audit it; the erasure ids done. JetStream
    deletes a message by overwriting it. A failure leaves the erasure for the next sweep."""
    # Only an erasure of the person's current round: after a re-hire, dead letters about them
    # are about the new employment.
    pending = await _pending(db, ErasureRow.dead_letters_deleted_at, person_id, batch_size)
    if not pending:
        return []
    try:
        found = await find_dead_letters(js, stream, sorted({e.person_id for e in pending}))
    except Exception as exc:
        log.warning("dead_letter_scan_failed", error=repr(exc))
        return []
    done: list[str] = []
    for erasure in pending:
        deleted = 0
        try:
            for seq in found[erasure.person_id]:
                try:
                    await js.delete_msg(stream, seq)
                except NotFoundError:
                    continue  # gone meanwhile: replayed, aged out, or another replica's
                deleted += 1
        except Exception as exc:
            log.warning("dead_letter_delete_failed", erasure_id=erasure.erasure_id, error=repr(exc))
            continue
        closed = await _close_step(
            db,
            erasure,
            ErasureRow.dead_letters_deleted_at,
            clock(),
            AuditAction.DEAD_LETTERS_DELETED,
            {"stream": stream, "deleted": deleted},
            dead_letters_deleted=deleted,
        )
        if closed:
            done.append(erasure.erasure_id)
        log.info("dead_letters_deleted", erasure_id=erasure.erasure_id, deleted=deleted)
    return done


# --- Reading ----------------------------------------------------------------------------------


async def erasures_of(session: AsyncSession, person_id: str) -> list[ErasureRow]:
    found = await session.scalars(
        select(ErasureRow)
        .where(ErasureRow.person_id == person_id)
        .order_by(ErasureRow.erasure_round)
    )
    return list(found.all())


async def audit_entries(session: AsyncSession, person_id: str) -> list[AuditRow]:
    """Every audit entry about ``person_id``, newest first (for their access report)."""
    found = await session.scalars(
        select(AuditRow).where(AuditRow.person_id == person_id).order_by(AuditRow.seq.desc())
    )
    return list(found.all())
