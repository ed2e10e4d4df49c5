"""A tiny service installed only for the runner's tests (via PYTHONPATH and its dist-info).

It proves that `ideapaja up` starts a service it has never heard of, found by its entry point,
with the per-service environment the runner promises.
"""

from __future__ import annotations

import httpx
from fastapi import APIRouter, Request
from pydantic_settings import SettingsConfigDict

from ideapaja_runtime.auth import CurrentPrincipal
from ideapaja_runtime.client_credentials import ServiceTokenProvider
from ideapaja_runtime.service import ServiceSpec
from ideapaja_runtime.settings import ServiceSettings


class EchoSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="IDEAPAJA_RUNNERECHO_", extra="ignore")

    smtp_host: str = "unset"
    smtp_port: int = 0


router = APIRouter()


@router.get("/echo/settings")
async def echo_settings(request: Request) -> dict[str, object]:
    settings = request.app.state.settings
    return {
        key: str(getattr(settings, key))
        for key in (
            "database_url", "nats_url", "nats_user", "http_host", "http_port",
            "auth_public_key_file", "auth_issuer", "auth_audience", "log_level", "smtp_host",
            "smtp_port", "auth_token_url", "auth_client_id",
        )
    }  # fmt: skip


@router.get("/echo/as-myself")
async def as_myself(request: Request) -> dict[str, object]:
    """Who this service is to another service: its own token (client-credentials grant from the
    runner's token endpoint) sent to its own /echo/whoami."""
    settings = request.app.state.settings
    tokens = ServiceTokenProvider.from_settings(settings)
    assert tokens is not None, "no AUTH_TOKEN_URL"
    try:
        headers = await tokens.headers()
    finally:
        await tokens.aclose()
    base = f"http://127.0.0.1:{settings.http_port}"
    async with httpx.AsyncClient(trust_env=False) as client:
        answer = await client.get(f"{base}/echo/whoami", headers=headers)
    return dict(answer.json())


@router.get("/echo/whoami")
async def whoami(principal: CurrentPrincipal) -> dict[str, object]:
    return {"person_id": principal.person_id, "roles": sorted(principal.roles)}


service = ServiceSpec(
    name="runnerecho",
    title="Runner echo (test only)",
    default_port=8999,
    settings_class=EchoSettings,
    routers=[router],
)
