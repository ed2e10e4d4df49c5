"""What intake holds on a person (GDPR access report; the privacy service gathers these from
every service): the runtime's shared report route, with intake's report."""

from __future__ import annotations

from ideapaja_intake.authz import POLICY
from ideapaja_intake.schemas.privacy import PersonData
from ideapaja_intake.usecases.person_report import person_report
from ideapaja_runtime.access_report import access_report_router

router = access_report_router(
    POLICY,
    build=person_report,
    response_model=PersonData,
    summary="Everything held on a person: ideas, drafts, versions, supports, comments, files, "
    "remembered requests (GDPR access report)",
)
