"""OIDC: keys from the identity provider's JWKS, by kid; production refuses the dev issuer."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer

import jwt
import pytest
from runtime_sample_service import Behaviour, build
from runtime_testkit import fast_settings

from ideapaja_runtime.auth import AuthConfigurationError, TokenVerifier
from ideapaja_runtime.settings import ServiceSettings
from ideapaja_runtime.testing import DevKeys, RunningService, running_service

ISSUER = "https://login.kuusijarvi.example/realms/staff"


@pytest.fixture(scope="module")
def provider_keys() -> DevKeys:
    return DevKeys()


@pytest.fixture(scope="module")
def jwks_url(provider_keys: DevKeys) -> Iterator[str]:
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(provider_keys.private_key.public_key()))
    body = json.dumps({"keys": [{**jwk, "kid": "key-2026", "use": "sig", "alg": "RS256"}]})

    class Jwks(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body.encode())

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Jwks)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/protocol/openid-connect/certs"
    server.shutdown()


def provider_token(keys: DevKeys, kid: str = "key-2026", **changes: object) -> str:
    now = int(time.time())
    claims: dict[str, object] = {
        "sub": "p-1001",
        "roles": ["change_agent"],
        "units": ["u-kirjasto"],
        "iss": ISSUER,
        "aud": "ideapaja",
        "iat": now,
        "exp": now + 300,
    }
    claims.update(changes)
    return jwt.encode(claims, keys.private_key, algorithm="RS256", headers={"kid": kid})


@pytest.fixture
async def oidc_service(
    nats_url: str, sqlite_url: str, jwks_url: str
) -> AsyncIterator[RunningService]:
    settings = fast_settings(
        nats_url=nats_url,
        database_url=sqlite_url,
        auth_jwks_url=jwks_url,
        auth_issuer=ISSUER,
        environment="production",
    )
    async with running_service(build(Behaviour()), settings) as service:
        yield service


async def test_token_signed_by_the_provider_is_accepted(
    oidc_service: RunningService, provider_keys: DevKeys
) -> None:
    token = provider_token(provider_keys)
    response = await oidc_service.client.get(
        "/whoami", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200
    assert response.json() == {"person_id": "p-1001", "roles": ["change_agent"]}


@pytest.mark.parametrize("case", ["unknown_kid", "other_key", "dev_issuer"])
async def test_tokens_the_provider_did_not_sign_are_refused(
    oidc_service: RunningService, provider_keys: DevKeys, case: str
) -> None:
    token = {
        "unknown_kid": lambda: provider_token(provider_keys, kid="stolen"),
        "other_key": lambda: provider_token(DevKeys()),
        "dev_issuer": lambda: provider_token(provider_keys, iss="ideapaja-dev"),
    }[case]()
    response = await oidc_service.client.get(
        "/whoami", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"


def test_production_refuses_the_embedded_dev_issuer(dev_keys: DevKeys) -> None:
    settings = ServiceSettings(environment="production", auth_public_key=dev_keys.public_pem)
    with pytest.raises(AuthConfigurationError, match="development token issuer"):
        TokenVerifier(settings)


def test_production_needs_a_key_source() -> None:
    with pytest.raises(AuthConfigurationError, match="AUTH_JWKS_URL"):
        TokenVerifier(ServiceSettings(environment="production", auth_issuer=ISSUER))


def test_symmetric_algorithms_cannot_be_configured() -> None:
    with pytest.raises(AuthConfigurationError):
        TokenVerifier(ServiceSettings(auth_algorithms=["HS256", "none"]))
