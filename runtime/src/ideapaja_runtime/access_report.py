"""The GDPR access report every service serves the same way: ``GET /privacy/persons/{person_id}``.

Each service says only what it holds on a person (``build``); who may read it, how the route is
documented, and whose report is "their own" are the same everywhere and live here:
- the person themselves; HR, admins and the privacy service (its access report, with its own
  token) for anyone;
- only the person's own report (they themselves, or the privacy service on their behalf, per
  ``Ideapaja-Requested-By``) lists what would reveal that they wrote an anonymous idea; anyone
  else's leaves those items out and counts them (``anonymous_items_withheld``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Path
from pydantic import BaseModel

from ideapaja_contracts.base import ID_PATTERN
from ideapaja_runtime.authz import AUTHENTICATED, Permission, Policy, Scope, ServiceRole, allow
from ideapaja_runtime.problems import PROBLEM_SCHEMA
from ideapaja_runtime.requester import RequestedByHeader, sees_own_data
from ideapaja_runtime.routes import Uow, service_router
from ideapaja_runtime.uow import UnitOfWork

ACTION = "privacy.report"
REFUSAL = "Only HR and admins read what is held on other people"

# (uow, person id, whether the report is the person's own) -> what the service holds on them
ReportBuilder = Callable[[UnitOfWork[Any], str, bool], Awaitable[BaseModel]]


def access_report_permission() -> Permission:
    """The policy table's row for the access report (the same in every service)."""
    return allow(
        ACTION,
        AUTHENTICATED | {ServiceRole.PRIVACY},
        "Read everything held on a person (GDPR access report): their own, or anyone's for "
        "HR, admins and the privacy service (its access report, with its own token)",
        default_scope=Scope.OWN,
        hr=Scope.ANY,
        admin=Scope.ANY,
        **{ServiceRole.PRIVACY: Scope.ANY},
    )


def access_report_router(
    policy: Policy,
    *,
    build: ReportBuilder,
    response_model: type[BaseModel],
    summary: str,
    withholds_anonymous: bool = True,
) -> APIRouter:
    """The report route of one service, answering what ``build`` gathers."""
    router = service_router(tags=["privacy"])
    description = (
        "Only the person's own report (they themselves, or the privacy service on their behalf: "
        "`Ideapaja-Requested-By`) lists what would reveal that they wrote an anonymous idea; "
        "anyone else's (HR, admins) leaves those items out and counts them in "
        "`anonymous_items_withheld`."
        if withholds_anonymous
        else None
    )

    @router.get(
        "/privacy/persons/{person_id}",
        summary=summary,
        response_model=response_model,
        responses={403: PROBLEM_SCHEMA},
        **policy.route(ACTION, description=description),
    )
    async def read_person_data(
        person_id: Annotated[
            str,
            Path(
                pattern=ID_PATTERN,
                max_length=64,
                examples=["p-does-not-exist"],
                description="The person's id, as HR knows them.",
            ),
        ],
        uow: Uow,
        requested_by: RequestedByHeader = None,
    ) -> Any:
        policy[ACTION].check_person(uow.person, person_id, REFUSAL)
        return await build(uow, person_id, sees_own_data(uow.person, requested_by, person_id))

    return router
