"""An erasure requested by HR or an admin: recorded (with its event and audit entry), then the
HR record and dead letters deleted right away if NATS answers (otherwise the sweep does it)."""

from __future__ import annotations

from datetime import datetime

from ideapaja_contracts.events.privacy import ErasureBasis
from ideapaja_privacy.db.models import ErasureRow
from ideapaja_privacy.schemas import ErasurePublic
from ideapaja_privacy.settings import PrivacySettings
from ideapaja_privacy.usecases import erasures
from ideapaja_privacy.usecases.status import erasure_public
from ideapaja_runtime.auth import Principal
from ideapaja_runtime.service import Runtime


async def request_erasure(
    runtime: Runtime[PrivacySettings],
    actor: Principal,
    *,
    person_id: str,
    reason: str,
    traceparent: str | None = None,
) -> tuple[ErasurePublic, bool]:
    """The erasure, and whether this request created it (False: it was already requested).

    Each step commits on its own: the request before NATS is asked, so a NATS outage never
    loses it."""
    done = await erasures.request(
        runtime.db,
        runtime.outbox,
        person_id=person_id,
        requested_by=actor.person_id,
        reason=reason,
        basis=ErasureBasis.REQUEST,
        now=runtime.clock(),
        traceparent=traceparent,
    )

    def clock() -> datetime:
        return runtime.clock()

    settings = runtime.settings
    await erasures.delete_hr_records(
        runtime.db, runtime.js, settings.hr_stream, clock, person_id=person_id
    )
    await erasures.delete_dead_letters(
        runtime.db, runtime.js, settings.dead_letter_stream, clock, person_id=person_id
    )
    async with runtime.unit_of_work(actor=actor) as uow:
        row = await uow.session.get(ErasureRow, done.erasure.erasure_id)
        assert row is not None
        return erasure_public(row), done.created
