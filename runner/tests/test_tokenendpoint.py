"""The dev issuer's token endpoint: services get their own tokens by the client-credentials grant
(good and bad secrets, grant types, malformed requests), the tokens verify like the people's
tokens, and the runtime's ServiceTokenProvider works against it."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import jwt
import pytest
from pydantic import SecretStr

from ideapaja_runner import devissuer, tokenendpoint
from ideapaja_runner.state import StateDir
from ideapaja_runtime import authz
from ideapaja_runtime.auth import TokenVerifier
from ideapaja_runtime.client_credentials import ServiceTokenError, ServiceTokenProvider
from ideapaja_runtime.settings import ServiceSettings

TOKEN_URL = "http://issuer.test/oauth2/token"


@pytest.fixture
def clients(state: StateDir) -> dict[str, str]:
    return devissuer.ensure_clients(state, ["privacy", "review"])


@pytest.fixture
async def issuer(state: StateDir, clients: dict[str, str]) -> AsyncIterator[httpx.AsyncClient]:
    app = tokenendpoint.app_for_state(state, ttl_seconds=600)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app), base_url="http://issuer.test"
    ) as client:
        yield client


def verifier(state: StateDir) -> TokenVerifier:
    return TokenVerifier(
        ServiceSettings(
            auth_public_key_file=state.public_key,
            auth_issuer=devissuer.ISSUER,
            auth_audience=devissuer.AUDIENCE,
        )
    )


def basic(client_id: str, secret: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()}


async def test_a_service_gets_its_own_token(
    issuer: httpx.AsyncClient, state: StateDir, clients: dict[str, str]
) -> None:
    response = await issuer.post(
        "/oauth2/token",
        data={"grant_type": "client_credentials"},
        headers=basic("privacy", clients["privacy"]),
    )
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    answer = response.json()
    assert answer["token_type"] == "Bearer" and answer["expires_in"] == 600
    token = answer["access_token"]
    principal = verifier(state).verify(token)
    assert principal.person_id == "service:privacy"
    assert principal.roles == {authz.ServiceRole.PRIVACY}
    assert principal.unit_ids == frozenset()
    header = jwt.get_unverified_header(token)
    # The same kid as the people's tokens: one key, one issuer.
    person = devissuer.issue_token(state, person_id="p-1", roles=["employee"])
    assert header["kid"] == jwt.get_unverified_header(person)["kid"]
    assert header["alg"] == "RS256" and header["typ"] == "at+jwt"
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["client_id"] == "privacy" and claims["jti"]
    assert claims["exp"] - claims["iat"] == 600

    # In the body instead of Basic, with a scope (granted as asked).
    review = await issuer.post(
        "/oauth2/token",
        data={
            "grant_type": "client_credentials",
            "client_id": "review",
            "client_secret": clients["review"],
            "scope": "api://ideapaja/.default",
        },
    )
    assert review.status_code == 200
    assert review.json()["scope"] == "api://ideapaja/.default"
    assert verifier(state).verify(review.json()["access_token"]).roles == {"review-service"}


@pytest.mark.parametrize(
    "client_id, secret",
    [("privacy", "wrong"), ("privacy", ""), ("nobody", "anything"), ("", "")],
)
async def test_a_wrong_secret_or_unknown_client_is_invalid_client(
    issuer: httpx.AsyncClient, client_id: str, secret: str
) -> None:
    for request in (
        {"headers": basic(client_id, secret), "data": {"grant_type": "client_credentials"}},
        {
            "data": {
                "grant_type": "client_credentials",
                "client_id": client_id,
                "client_secret": secret,
            }
        },
    ):
        response = await issuer.post("/oauth2/token", **request)  # type: ignore[arg-type]
        assert response.status_code == 401, response.text
        assert response.headers["content-type"] == "application/json"
        assert response.json()["error"] == "invalid_client"
        assert response.headers["www-authenticate"].startswith('Basic realm="ideapaja-dev"')
        assert "access_token" not in response.text


async def test_another_grant_is_unsupported(
    issuer: httpx.AsyncClient, clients: dict[str, str]
) -> None:
    good = basic("privacy", clients["privacy"])
    for grant in ("password", "refresh_token", "implicit"):
        response = await issuer.post("/oauth2/token", data={"grant_type": grant}, headers=good)
        assert response.status_code == 400
        assert response.json()["error"] == "unsupported_grant_type"
    missing = await issuer.post("/oauth2/token", data={}, headers=good)
    assert (missing.status_code, missing.json()["error"]) == (400, "invalid_request")


@pytest.mark.parametrize(
    "kwargs",
    [
        # Repeated parameter (RFC 6749 §3.2).
        {"content": b"grant_type=client_credentials&grant_type=client_credentials"},
        # Both Basic and the body.
        {"content": b"grant_type=client_credentials&client_id=privacy&client_secret=x", "basic": 1},
        # Not form-encoded.
        {"json": {"grant_type": "client_credentials"}, "basic": 1},
        # Too large.
        {"content": b"grant_type=client_credentials&pad=" + b"x" * 5000, "basic": 1},
        # Basic that is not base64 of id:secret.
        {"content": b"grant_type=client_credentials", "raw_basic": "Basic !!!"},
    ],
)
async def test_malformed_requests_are_invalid_request(
    issuer: httpx.AsyncClient, clients: dict[str, str], kwargs: dict[str, Any]
) -> None:
    headers: dict[str, str] = {}
    if kwargs.pop("basic", None):
        headers |= basic("privacy", clients["privacy"])
    if raw := kwargs.pop("raw_basic", None):
        headers["Authorization"] = raw
    if "content" in kwargs:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    response = await issuer.post("/oauth2/token", headers=headers, **kwargs)
    assert response.status_code == 400, response.text
    assert response.json()["error"] == "invalid_request"


async def test_only_post_is_a_token_request(issuer: httpx.AsyncClient) -> None:
    assert (await issuer.get("/oauth2/token")).status_code == 405
    assert (await issuer.get("/healthz")).json() == {"status": "ok"}


async def test_the_runtime_provider_gets_and_caches_tokens_here(
    state: StateDir, clients: dict[str, str]
) -> None:
    app = tokenendpoint.app_for_state(state)
    tokens = ServiceTokenProvider(
        TOKEN_URL, "privacy", SecretStr(clients["privacy"]), transport=httpx.ASGITransport(app)
    )
    first = await tokens.token()
    assert await tokens.token() == first  # cached: 15 minutes by default
    assert tokens.requests == 1
    assert verifier(state).verify(first).person_id == "service:privacy"
    await tokens.aclose()
    # The secret in the body works too; a wrong one is refused at once, without retries.
    posted = ServiceTokenProvider(
        TOKEN_URL,
        "review",
        SecretStr(clients["review"]),
        auth_method="client_secret_post",
        transport=httpx.ASGITransport(app),
    )
    assert verifier(state).verify(await posted.token()).roles == {"review-service"}
    wrong = ServiceTokenProvider(
        TOKEN_URL, "privacy", SecretStr("guess"), transport=httpx.ASGITransport(app)
    )
    with pytest.raises(ServiceTokenError) as refused:
        await wrong.token()
    assert refused.value.error == "invalid_client" and wrong.requests == 1


def test_client_secrets_are_generated_once_and_kept_private(state: StateDir) -> None:
    first = devissuer.ensure_clients(state, ["privacy"])
    assert len(first["privacy"]) >= 40
    assert state.service_clients.stat().st_mode & 0o777 == 0o600
    again = devissuer.ensure_clients(state, ["privacy", "review"])
    assert again["privacy"] == first["privacy"] and again["review"] != first["privacy"]
    assert json.loads(state.service_clients.read_text()) == again
    assert devissuer.read_clients(state) == again
    # No services yet: the file exists, empty, so the endpoint starts with no clients.
    empty = StateDir.at(state.root.parent / "empty")
    assert devissuer.ensure_clients(empty, []) == {}
    assert empty.service_clients.stat().st_mode & 0o777 == 0o600


def test_the_runner_names_service_roles_as_the_runtime_does() -> None:
    assert devissuer.SERVICE_ROLE_SUFFIX == authz.SERVICE_ROLE_SUFFIX
    assert f"privacy{devissuer.SERVICE_ROLE_SUFFIX}" == authz.ServiceRole.PRIVACY
