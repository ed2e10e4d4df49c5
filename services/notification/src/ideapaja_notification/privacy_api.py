"""HTTP API for data protection: what the notification service holds on a person (GDPR access
report; the privacy service gathers these from every service)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from ideapaja_contracts.base import ID_PATTERN
from ideapaja_notification import privacy
from ideapaja_notification.authz import POLICY
from ideapaja_runtime.auth import Principal
from ideapaja_runtime.deps import RuntimeDep
from ideapaja_runtime.requester import RequestedByHeader, sees_own_data

router = APIRouter(tags=["privacy"])


@router.get(
    "/privacy/persons/{person_id}",
    summary="Everything held on a person: contact, messages, ideas (GDPR access report)",
    response_model=privacy.PersonData,
    **POLICY.route(
        "privacy.report",
        description="Only the person's own report (they themselves, or the privacy service on "
        "their behalf: `Ideapaja-Requested-By`) lists the messages and ideas that could reveal "
        "that they wrote an anonymous idea; anyone else's (HR, admins) leaves those out and "
        "counts them in `anonymous_items_withheld`.",
    ),
)
async def read_person_data(
    person_id: Annotated[str, Path(pattern=ID_PATTERN, max_length=64, examples=["p-1003"])],
    runtime: RuntimeDep,
    principal: Annotated[Principal, POLICY.require("privacy.report")],
    requested_by: RequestedByHeader = None,
) -> privacy.PersonData:
    POLICY["privacy.report"].check_person(
        principal, person_id, "Only HR and admins read what is held on other people"
    )
    async with runtime.db.transaction() as session:
        return await privacy.person_report(
            session, person_id, own=sees_own_data(principal, requested_by, person_id)
        )
