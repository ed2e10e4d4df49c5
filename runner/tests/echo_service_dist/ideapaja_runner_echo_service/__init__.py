"""A tiny service installed only for the runner's tests (via PYTHONPATH and its dist-info).

It proves that `ideapaja up` starts a service it has never heard of, found by its entry point,
with the per-service environment the runner promises.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic_settings import SettingsConfigDict

from ideapaja_runtime.auth import CurrentPrincipal
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
            "smtp_port",
        )
    }  # fmt: skip


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
