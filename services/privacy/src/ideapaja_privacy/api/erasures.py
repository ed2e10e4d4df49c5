"""HTTP API: erasure requests and their status."""

from __future__ import annotations

from fastapi import Response

from ideapaja_privacy.api.deps import PersonId, PrivacyRuntime, PrivacyUow
from ideapaja_privacy.authz import POLICY
from ideapaja_privacy.schemas import ErasureCreate, ErasurePublic, ErasureStatusPublic
from ideapaja_privacy.usecases import requests, status
from ideapaja_runtime.deps import TraceparentDep
from ideapaja_runtime.pagination import Page, PageParams
from ideapaja_runtime.problems import PROBLEM_SCHEMA
from ideapaja_runtime.routes import Actor, service_router

router = service_router(tags=["erasures"])


@router.post(
    "/erasures",
    summary="Erase a person's personal data in every service and delete their HR record",
    status_code=201,
    response_model=ErasurePublic,
    responses={
        200: {"description": "Already requested: the existing erasure", "model": ErasurePublic}
    },
    **POLICY.route("erasures.request"),
)
async def request_erasure(
    body: ErasureCreate,
    response: Response,
    actor: Actor,
    runtime: PrivacyRuntime,
    traceparent: TraceparentDep,
) -> ErasurePublic:
    erasure, created = await requests.request_erasure(
        runtime, actor, person_id=body.person_id, reason=body.reason, traceparent=traceparent
    )
    if not created:
        response.status_code = 200
    return erasure


@router.get(
    "/erasures",
    summary="Erasures, newest first",
    response_model=Page[ErasurePublic],
    **POLICY.route("erasures.read"),
)
async def list_erasures(uow: PrivacyUow, page: PageParams) -> Page[ErasurePublic]:
    return await status.list_erasures(uow, page)


@router.get(
    "/erasures/{person_id}",
    summary="A person's erasure, and when retention will erase them",
    response_model=ErasureStatusPublic,
    responses={404: PROBLEM_SCHEMA},
    **POLICY.route("erasures.read"),
)
async def read_erasure_status(person_id: PersonId, uow: PrivacyUow) -> ErasureStatusPublic:
    return await status.erasure_status(uow, person_id)
