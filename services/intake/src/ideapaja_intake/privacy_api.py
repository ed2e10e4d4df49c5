"""HTTP API for data protection: what intake holds on a person (GDPR access report; the privacy
service gathers these from every service)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from ideapaja_contracts.base import ID_PATTERN
from ideapaja_intake import privacy
from ideapaja_intake.authz import POLICY, require
from ideapaja_intake.http import SettingsDep
from ideapaja_intake.schemas.privacy import PersonData
from ideapaja_runtime.auth import Principal
from ideapaja_runtime.deps import RuntimeDep
from ideapaja_runtime.problems import PROBLEM_SCHEMA
from ideapaja_runtime.requester import RequestedByHeader, sees_own_data

privacy_router = APIRouter(tags=["privacy"])


@privacy_router.get(
    "/privacy/persons/{person_id}",
    summary="Everything held on a person: ideas, drafts, versions, supports, comments, files, "
    "remembered requests (GDPR access report)",
    response_model=PersonData,
    responses={403: PROBLEM_SCHEMA},
    **POLICY.route(
        "privacy.report",
        description="Only the person's own report (they themselves, or the privacy service on "
        "their behalf: `Ideapaja-Requested-By`) lists what would reveal that they wrote an "
        "anonymous idea; anyone else's (HR, admins) leaves those items out and counts them in "
        "`anonymous_items_withheld`.",
    ),
)
async def read_person_data(
    person_id: Annotated[str, Path(pattern=ID_PATTERN, max_length=64, examples=["p-1003"])],
    runtime: RuntimeDep,
    settings: SettingsDep,
    principal: Annotated[Principal, require("privacy.report")],
    requested_by: RequestedByHeader = None,
) -> PersonData:
    POLICY["privacy.report"].check_person(
        principal, person_id, "Only HR and admins read what is held on other people"
    )
    async with runtime.db.transaction() as session:
        return await privacy.person_report(
            session,
            settings.pseudonym_secret.get_secret_value(),
            person_id,
            own=sees_own_data(principal, requested_by, person_id),
        )
