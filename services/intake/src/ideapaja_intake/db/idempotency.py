"""Remembered answers to creating requests (``Idempotency-Key``), per caller.

A caller's keys are its own: a staff member's (``staff_caller``) live apart from a citizen's
(``citizen_caller``), so the same key from two callers never meets."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from ideapaja_intake.db.models import IdempotencyRecord
from ideapaja_intake.db.sql import delete_where

# The idempotency key a form token's submission is remembered under (one submission per token).
FORM_TOKEN_KEY_PREFIX = "form-token:"  # noqa: S105 - a key prefix, not a secret


def staff_caller(person_id: str) -> str:
    """Whose idempotency keys these are (a citizen's keys live apart from staff keys)."""
    return f"person:{person_id}"


def citizen_caller(citizen_id: str) -> str:
    return f"citizen:{citizen_id}"


def form_token_key(token_id: str) -> str:
    return f"{FORM_TOKEN_KEY_PREFIX}{token_id}"


async def forget_expired(session: AsyncSession, caller: str, before: datetime) -> None:
    """Forget the caller's keys older than ``before`` (cheap: the primary key starts with the
    caller)."""
    await delete_where(
        session,
        IdempotencyRecord,
        IdempotencyRecord.caller == caller,
        IdempotencyRecord.created_at < before,
    )


async def remembered(session: AsyncSession, caller: str, key: str) -> IdempotencyRecord | None:
    """The stored record, as committed now (another request may have stored it meanwhile)."""
    return await session.get(IdempotencyRecord, (caller, key), populate_existing=True)


async def claim(
    session: AsyncSession, caller: str, key: str, fingerprint: str, now: datetime
) -> IdempotencyRecord | None:
    """Claim the key before the work, in a savepoint: a concurrent request with the same key
    waits on this row (PostgreSQL) or on the write lock (SQLite). None when another request
    holding the key committed first (then its answer is ``remembered``)."""
    record = IdempotencyRecord(
        caller=caller,
        key=key,
        fingerprint=fingerprint,
        status_code=0,
        body=b"",
        media_type="",
        headers={},
        created_at=now,
    )
    try:
        async with session.begin_nested():
            session.add(record)
    except IntegrityError:
        return None
    return record
