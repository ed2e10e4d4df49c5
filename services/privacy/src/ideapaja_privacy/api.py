"""HTTP API: erasure requests and their status, access reports, the audit log."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response
from sqlalchemy.ext.asyncio import AsyncSession

from ideapaja_contracts.base import ID_PATTERN
from ideapaja_contracts.events.privacy import ErasureBasis
from ideapaja_privacy import erasures, peers
from ideapaja_privacy.authz import POLICY
from ideapaja_privacy.clock import as_utc, clock_of
from ideapaja_privacy.db.models import AuditRow, ErasureRow, PersonRow
from ideapaja_privacy.domain.erasure import AuditAction
from ideapaja_privacy.domain.report import PeerStatus, is_complete
from ideapaja_privacy.domain.retention import erase_on
from ideapaja_privacy.schemas import (
    AccessReport,
    AuditEntryOut,
    ErasureOut,
    ErasureRequest,
    ErasureStatusOut,
    RetentionOut,
    ServiceReport,
)
from ideapaja_privacy.settings import PrivacySettings
from ideapaja_runtime.auth import Principal
from ideapaja_runtime.deps import RuntimeDep, TraceparentDep
from ideapaja_runtime.problems import PROBLEM_SCHEMA, Problem
from ideapaja_runtime.service import Runtime

PersonId = Annotated[str, Path(pattern=ID_PATTERN, max_length=64, examples=["p-1003"])]
Limit = Annotated[int, Query(ge=1, le=500, description="How many at most")]
Offset = Annotated[int, Query(ge=0, le=100_000, description="How many to skip")]

router = APIRouter()


def _settings(runtime: Runtime) -> PrivacySettings:
    settings = runtime.settings
    assert isinstance(settings, PrivacySettings)
    return settings


def erasure_out(row: ErasureRow) -> ErasureOut:
    return ErasureOut(
        erasure_id=row.erasure_id,
        person_id=row.person_id,
        round=row.erasure_round,
        basis=ErasureBasis(row.basis),
        reason=row.reason,
        requested_by=row.requested_by,
        requested_at=as_utc(row.requested_at),
        hr_record_deleted_at=(
            as_utc(row.hr_record_deleted_at) if row.hr_record_deleted_at is not None else None
        ),
        dead_letters_deleted_at=(
            as_utc(row.dead_letters_deleted_at) if row.dead_letters_deleted_at is not None else None
        ),
        dead_letters_deleted=row.dead_letters_deleted,
    )


def retention_out(person: PersonRow, retention_days: int) -> RetentionOut:
    return RetentionOut(
        in_service=person.in_service,
        left_on=person.left_on,
        erase_on=(
            erase_on(person.left_on_date, retention_days)
            if person.left_on_date is not None and not person.in_service
            else None
        ),
    )


def audit_out(row: AuditRow) -> AuditEntryOut:
    return AuditEntryOut(
        seq=row.seq,
        occurred_at=as_utc(row.occurred_at),
        actor_id=row.actor_id,
        action=row.action,
        person_id=row.person_id,
        details=row.details,
    )


@router.post(
    "/erasures",
    tags=["erasures"],
    summary="Erase a person's personal data in every service and delete their HR record",
    status_code=201,
    response_model=ErasureOut,
    responses={
        200: {"description": "Already requested: the existing erasure", "model": ErasureOut}
    },
    **POLICY.route("erasures.request"),
)
async def request_erasure(
    body: ErasureRequest,
    runtime: RuntimeDep,
    traceparent: TraceparentDep,
    response: Response,
    principal: Annotated[Principal, POLICY.require("erasures.request")],
) -> ErasureOut:
    clock = clock_of(runtime)
    done = await erasures.request(
        runtime.db,
        runtime.outbox,
        person_id=body.person_id,
        requested_by=principal.person_id,
        reason=body.reason,
        basis=ErasureBasis.REQUEST,
        now=clock(),
        traceparent=traceparent,
    )
    if not done.created:
        response.status_code = 200
    # Right away if NATS answers; otherwise the sweep deletes them later.
    await erasures.delete_hr_records(
        runtime.db, runtime.js, runtime.settings.hr_stream, clock, person_id=body.person_id
    )
    await erasures.delete_dead_letters(
        runtime.db,
        runtime.js,
        runtime.settings.dead_letter_stream,
        clock,
        person_id=body.person_id,
    )
    async with runtime.db.transaction() as session:
        row = await session.get(ErasureRow, done.erasure.erasure_id)
        assert row is not None
        return erasure_out(row)


@router.get(
    "/erasures",
    tags=["erasures"],
    summary="Erasures, newest first",
    response_model=list[ErasureOut],
    **POLICY.route("erasures.read"),
)
async def list_erasures(
    runtime: RuntimeDep,
    _principal: Annotated[Principal, POLICY.require("erasures.read")],
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[ErasureOut]:
    async with runtime.db.transaction() as session:
        rows = await erasures.list_erasures(session, limit=limit, offset=offset)
        return [erasure_out(row) for row in rows]


@router.get(
    "/erasures/{person_id}",
    tags=["erasures"],
    summary="A person's erasure, and when retention will erase them",
    response_model=ErasureStatusOut,
    responses={404: PROBLEM_SCHEMA},
    **POLICY.route("erasures.read"),
)
async def read_erasure_status(
    person_id: PersonId,
    runtime: RuntimeDep,
    _principal: Annotated[Principal, POLICY.require("erasures.read")],
) -> ErasureStatusOut:
    async with runtime.db.transaction() as session:
        person = await session.get(PersonRow, person_id)
        rows = await erasures.erasures_of(session, person_id)
    if person is None and not rows:
        raise Problem(404, "Unknown person", f"Neither HR nor an erasure has named {person_id}.")
    current_round = person.erasure_round if person is not None else 1
    current = [row for row in rows if row.erasure_round == current_round]
    return ErasureStatusOut(
        person_id=person_id,
        erasure=erasure_out(current[0]) if current else None,
        earlier_erasures=[erasure_out(r) for r in rows if r.erasure_round < current_round],
        retention=(
            retention_out(person, _settings(runtime).retention_days) if person is not None else None
        ),
    )


@router.get(
    "/persons/{person_id}/report",
    tags=["access reports"],
    summary="Everything every service holds on a person, as JSON (the GDPR access report)",
    response_model=AccessReport,
    **POLICY.route(
        "report.read",
        description="Every service is asked on the caller's behalf (`Ideapaja-Requested-By`): "
        "what would reveal who wrote an anonymous idea is shown only in the person's own "
        "report; in HR's or an admin's, each service's section leaves it out and counts it in "
        "`anonymous_items_withheld` (reward's ledger is listed as it is: points go to authors, "
        "and HR/payroll receives every grant anyway).",
    ),
)
async def read_access_report(
    person_id: PersonId,
    runtime: RuntimeDep,
    traceparent: TraceparentDep,
    principal: Annotated[Principal, POLICY.require("report.read")],
) -> AccessReport:
    POLICY["report.read"].check_person(
        principal, person_id, "Only HR and admins read other people's access reports"
    )
    settings = _settings(runtime)
    clock = clock_of(runtime)
    # The caller is authorized above; the services are asked with the privacy service's own token,
    # on the caller's behalf (only the person's own report shows who wrote an anonymous idea).
    answers = await peers.collect(
        {name: url for name, url in settings.peer_urls.items() if name != runtime.spec.name},
        person_id,
        requested_by=principal.person_id,
        tokens=peers.service_tokens(runtime),
        traceparent=traceparent,
        request_timeout=settings.peer_timeout_seconds,
        transports=peers.transports_of(runtime),
    )
    now = clock()
    async with runtime.db.transaction() as session:
        own = await _own_data(session, person_id, settings.retention_days)
        erasures.audit(
            session,
            actor_id=principal.person_id,
            action=AuditAction.REPORT_VIEWED,
            person_id=person_id,
            now=now,
            details={
                "complete": is_complete(answers),
                "services": {a.service: a.status.value for a in answers},
            },
        )
    return AccessReport(
        person_id=person_id,
        generated_at=now,
        complete=is_complete(answers),
        services=[
            ServiceReport(service=runtime.spec.name, status=PeerStatus.OK, data=own),
            *(
                ServiceReport(service=a.service, status=a.status, detail=a.detail, data=a.data)
                for a in answers
            ),
        ],
    )


async def _own_data(session: AsyncSession, person_id: str, retention_days: int) -> dict[str, Any]:
    """What the privacy service itself holds: retention status, erasures, audit entries."""
    person = await session.get(PersonRow, person_id)
    rows = await erasures.erasures_of(session, person_id)
    entries = await erasures.audit_entries(session, person_id=person_id, limit=500, offset=0)
    return {
        "retention": (
            retention_out(person, retention_days).model_dump(mode="json")
            if person is not None
            else None
        ),
        "erasures": [erasure_out(row).model_dump(mode="json") for row in rows],
        "audit": [audit_out(row).model_dump(mode="json") for row in entries],
    }


@router.get(
    "/audit",
    tags=["audit"],
    summary="The privacy audit log, newest first: erasure requests and access report views",
    response_model=list[AuditEntryOut],
    **POLICY.route("audit.read"),
)
async def read_audit_log(
    runtime: RuntimeDep,
    _principal: Annotated[Principal, POLICY.require("audit.read")],
    person_id: Annotated[
        str | None, Query(pattern=ID_PATTERN, max_length=64, description="Only about this person")
    ] = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[AuditEntryOut]:
    async with runtime.db.transaction() as session:
        rows = await erasures.audit_entries(
            session, person_id=person_id, limit=limit, offset=offset
        )
        return [audit_out(row) for row in rows]
