"""The access report: everything every service holds on a person, gathered on the caller's
behalf, and the audit entry saying who viewed it.

The other services are asked first, outside any transaction (their answers may take up to the
peer timeout); the privacy service's own data and the audit entry then share one unit of work.
"""

from __future__ import annotations

from ideapaja_privacy import peers
from ideapaja_privacy.authz import POLICY
from ideapaja_privacy.domain.erasure import AuditAction
from ideapaja_privacy.domain.report import PeerStatus, is_complete
from ideapaja_privacy.schemas import AccessReportPublic, ServiceReportPublic
from ideapaja_privacy.settings import PrivacySettings
from ideapaja_privacy.usecases import erasures
from ideapaja_privacy.usecases.status import own_data
from ideapaja_runtime.auth import Principal
from ideapaja_runtime.authz import Scope
from ideapaja_runtime.errors import ForbiddenObject
from ideapaja_runtime.service import Runtime


async def access_report(
    runtime: Runtime[PrivacySettings],
    actor: Principal,
    person_id: str,
    *,
    traceparent: str | None = None,
) -> AccessReportPublic:
    """The report on ``person_id`` (people their own, HR and admins anyone's), audited."""
    if POLICY["report.read"].scope_for(actor) is Scope.OWN and person_id != actor.person_id:
        raise ForbiddenObject("Only HR and admins read other people's access reports")
    settings = runtime.settings
    # The caller is authorized above; the services are asked with the privacy service's own token,
    # on the caller's behalf (only the person's own report shows who wrote an anonymous idea).
    answers = await peers.collect(
        {name: url for name, url in settings.peer_urls.items() if name != runtime.spec.name},
        person_id,
        requested_by=actor.person_id,
        tokens=peers.service_tokens(runtime),
        traceparent=traceparent,
        request_timeout=settings.peer_timeout_seconds,
        transports=peers.transports_of(runtime),
    )
    async with runtime.unit_of_work(actor=actor, traceparent=traceparent) as uow:
        own = await own_data(uow, person_id)
        erasures.audit(
            uow.session,
            actor_id=actor.person_id,
            action=AuditAction.REPORT_VIEWED,
            person_id=person_id,
            now=uow.now,
            details={
                "complete": is_complete(answers),
                "services": {a.service: a.status.value for a in answers},
            },
        )
    return AccessReportPublic(
        person_id=person_id,
        generated_at=uow.now,
        complete=is_complete(answers),
        services=[
            ServiceReportPublic(service=runtime.spec.name, status=PeerStatus.OK, data=own),
            *(
                ServiceReportPublic(
                    service=a.service, status=a.status, detail=a.detail, data=a.data
                )
                for a in answers
            ),
        ],
    )
