"""What intake holds on a person (GDPR access report; the privacy service gathers these from
every service): the runtime's shared report route, with intake's report."""

from __future__ import annotations

from ideapaja_intake import privacy
from ideapaja_intake.authz import POLICY
from ideapaja_intake.schemas.privacy import PersonData
from ideapaja_intake.settings import IntakeSettings
from ideapaja_runtime.access_report import access_report_router
from ideapaja_runtime.uow import UnitOfWork


async def person_report(uow: UnitOfWork[IntakeSettings], person_id: str, own: bool) -> PersonData:
    secret = uow.settings.pseudonym_secret.get_secret_value()
    return await privacy.person_report(uow.session, secret, person_id, own=own)


router = access_report_router(
    POLICY,
    build=person_report,
    response_model=PersonData,
    summary="Everything held on a person: ideas, drafts, versions, supports, comments, files, "
    "remembered requests (GDPR access report)",
)
