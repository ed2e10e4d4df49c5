"""Creating requests made safe to retry: the response to an ``Idempotency-Key`` is stored in the
same transaction as what the request created, so a retry gets exactly that response back, and
a failed request stores neither."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import Response
from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from ideapaja_intake.db.models import IdempotencyRecord
from ideapaja_intake.db.sql import delete_where
from ideapaja_intake.domain.idempotency import InvalidIdempotencyKey, checked_key, fingerprint
from ideapaja_intake.errors import IdempotencyKeyReused, InvalidInput, RequestInProgress
from ideapaja_intake.settings import IntakeSettings
from ideapaja_runtime.service import Runtime

REPLAYED_HEADER = "Idempotent-Replayed"


@dataclass
class Outcome:
    """What a creating request answers; stored as is under its idempotency key."""

    status: int
    body: bytes = b""
    media_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, status: int, model: BaseModel, **headers: str) -> Outcome:
        return cls(status, model.model_dump_json().encode(), "application/json", dict(headers))

    def response(self, *, replayed: bool = False) -> Response:
        headers = dict(self.headers)
        if replayed:
            headers[REPLAYED_HEADER] = "true"
        return Response(
            self.body, status_code=self.status, media_type=self.media_type, headers=headers
        )


Work = Callable[[AsyncSession], Awaitable[Outcome]]


class _KeyTaken(Exception):
    """Another request with the same key committed while this one ran."""


def idempotency_key(raw: str | None) -> str | None:
    try:
        return checked_key(raw)
    except InvalidIdempotencyKey as exc:
        raise InvalidInput("Idempotency-Key", str(exc), kind="header") from exc


async def run_idempotent(
    runtime: Runtime,
    *,
    caller: str,
    key: str | None,
    operation: str,
    content: Any,
    work: Work,
) -> Response:
    """Run ``work`` in one transaction; with a key, remember its outcome (or replay it)."""
    key = idempotency_key(key)
    if key is None:
        async with runtime.db.transaction() as session:
            outcome = await work(session)
        return outcome.response()
    settings = runtime.settings
    assert isinstance(settings, IntakeSettings)
    digest = fingerprint(operation, content)
    for _attempt in range(3):
        try:
            return await _once(runtime, settings, caller, key, digest, work)
        except _KeyTaken:
            continue
    raise RequestInProgress


async def _once(
    runtime: Runtime,
    settings: IntakeSettings,
    caller: str,
    key: str,
    digest: str,
    work: Work,
) -> Response:
    now = datetime.now(UTC)
    expired_before = now - timedelta(hours=settings.idempotency_ttl_hours)
    async with runtime.db.transaction() as session:
        # Forget this caller's expired keys (cheap: the primary key starts with the caller).
        await delete_where(
            session,
            IdempotencyRecord,
            IdempotencyRecord.caller == caller,
            IdempotencyRecord.created_at < expired_before,
        )
        stored = await session.get(IdempotencyRecord, (caller, key))
        if stored is not None:
            if stored.fingerprint != digest:
                raise IdempotencyKeyReused
            return Outcome(
                stored.status_code, stored.body, stored.media_type, dict(stored.headers)
            ).response(replayed=True)
        # Claim the key before the work: a concurrent request with the same key waits on this
        # row (PostgreSQL) or on the write lock (SQLite), then finds the stored outcome.
        record = IdempotencyRecord(
            caller=caller,
            key=key,
            fingerprint=digest,
            status_code=0,
            body=b"",
            media_type="",
            headers={},
            created_at=now,
        )
        session.add(record)
        try:
            await session.flush()
        except IntegrityError as exc:
            raise _KeyTaken from exc
        outcome = await work(session)
        record.status_code = outcome.status
        record.body = outcome.body
        record.media_type = outcome.media_type
        record.headers = outcome.headers
    return outcome.response()
