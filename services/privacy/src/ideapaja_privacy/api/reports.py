"""HTTP API: the access report on a person, and the audit log of erasures and report views."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from ideapaja_contracts.base import ID_PATTERN
from ideapaja_privacy.api.deps import PersonId, PrivacyRuntime, PrivacyUow
from ideapaja_privacy.authz import POLICY
from ideapaja_privacy.schemas import AccessReportPublic, AuditEntryPublic
from ideapaja_privacy.usecases import reports, status
from ideapaja_runtime.deps import TraceparentDep
from ideapaja_runtime.pagination import Page, PageParams
from ideapaja_runtime.routes import Actor, service_router

router = service_router()


@router.get(
    "/persons/{person_id}/report",
    tags=["access reports"],
    summary="Everything every service holds on a person, as JSON (the GDPR access report)",
    response_model=AccessReportPublic,
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
    person_id: PersonId, actor: Actor, runtime: PrivacyRuntime, traceparent: TraceparentDep
) -> AccessReportPublic:
    return await reports.access_report(runtime, actor, person_id, traceparent=traceparent)


@router.get(
    "/audit",
    tags=["audit"],
    summary="The privacy audit log, newest first: erasure requests and access report views",
    response_model=Page[AuditEntryPublic],
    **POLICY.route("audit.read"),
)
async def read_audit_log(
    uow: PrivacyUow,
    page: PageParams,
    person_id: Annotated[
        str | None,
        Query(pattern=ID_PATTERN, max_length=64, description="Only entries about this person"),
    ] = None,
) -> Page[AuditEntryPublic]:
    return await status.audit_log(uow, page, person_id=person_id)
