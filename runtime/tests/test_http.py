"""Every endpoint's frame: authentication, roles, limits, problem+json, health and metrics."""

from __future__ import annotations

import re
import time
from collections.abc import AsyncIterator

import jwt
import pytest
from runtime_sample_service import Behaviour, build
from runtime_testkit import fast_settings

from ideapaja_runtime.testing import DevKeys, RunningService, running_service
from ideapaja_runtime.testing_builders import wiring


@pytest.fixture
async def sample(
    nats_url: str, sqlite_url: str, dev_keys: DevKeys
) -> AsyncIterator[RunningService]:
    settings = fast_settings(
        **wiring(nats_url, sqlite_url, dev_keys),
        max_body_bytes=2048,
    )
    async with running_service(build(Behaviour()), settings) as service:
        yield service


async def test_health_readiness_and_metrics_need_no_token(sample: RunningService) -> None:
    assert (await sample.client.get("/healthz")).json() == {"status": "ok", "service": "sample"}
    ready = await sample.client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"]["database"] == "ok"
    assert ready.json()["checks"]["nats"] == "ok"
    metrics = await sample.client.get("/metrics")
    assert "ideapaja_http_requests_total" in metrics.text


async def test_readiness_fails_when_nats_is_gone(
    sample: RunningService, nats_server: object
) -> None:
    nats_server.stop()  # type: ignore[attr-defined]

    async def not_ready() -> bool:
        return (await sample.client.get("/readyz")).status_code == 503

    from ideapaja_runtime.testing import eventually

    await eventually(not_ready)


async def test_missing_token_is_401_problem(sample: RunningService) -> None:
    response = await sample.client.get("/whoami")
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.json()["title"] == "Authentication required"


async def test_valid_token_names_the_caller(sample: RunningService, dev_keys: DevKeys) -> None:
    response = await sample.client.get("/whoami", headers=dev_keys.headers("p-1", "employee"))
    assert response.json() == {"person_id": "p-1", "roles": ["employee"]}


def _claims(now: int, **changes: object) -> dict[str, object]:
    """A valid admin token's claims for p-1, issued at ``now``, with ``changes``."""
    return {
        "sub": "p-1",
        "roles": ["admin"],
        "iss": "ideapaja-dev",
        "aud": "ideapaja",
        "iat": now,
        "exp": now + 60,
        **changes,
    }


def _token(dev_keys: DevKeys, **changes: object) -> str:
    return jwt.encode(_claims(int(time.time()), **changes), dev_keys.private_pem, algorithm="RS256")


@pytest.mark.parametrize(
    "case",
    [
        "expired",
        "wrong_issuer",
        "wrong_audience",
        "alg_none",
        "wrong_key",
        "hs256_with_public_key",
        "not_yet_valid",
        "no_subject",
    ],
)
async def test_bad_tokens_are_refused(sample: RunningService, dev_keys: DevKeys, case: str) -> None:
    now = int(time.time())
    token = {
        "expired": lambda: _token(dev_keys, exp=now - 120, iat=now - 240),
        "wrong_issuer": lambda: _token(dev_keys, iss="https://evil.example"),
        "wrong_audience": lambda: _token(dev_keys, aud="other-system"),
        "alg_none": lambda: jwt.encode(_claims(now), None, algorithm="none"),
        "wrong_key": lambda: _token(DevKeys()),
        "hs256_with_public_key": lambda: _hs256_forgery(dev_keys, now),
        "not_yet_valid": lambda: _token(dev_keys, nbf=now + 3600),
        "no_subject": lambda: jwt.encode(
            {k: v for k, v in _claims(now).items() if k != "sub"},
            dev_keys.private_pem,
            algorithm="RS256",
        ),
    }[case]()
    response = await sample.client.get("/whoami", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401, response.text
    assert response.json()["title"] == "Invalid token"


def _hs256_forgery(dev_keys: DevKeys, now: int) -> str:
    """The classic key-confusion attack: sign HS256 with the RSA public key as the secret."""
    import base64
    import hashlib
    import hmac
    import json

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    header = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    payload = b64(json.dumps(_claims(now)).encode())
    signature = hmac.new(
        dev_keys.public_pem.encode(), f"{header}.{payload}".encode(), hashlib.sha256
    ).digest()
    return f"{header}.{payload}.{b64(signature)}"


async def test_role_check_is_403_problem(sample: RunningService, dev_keys: DevKeys) -> None:
    response = await sample.client.post(
        "/notes", json={"text": "hei"}, headers=dev_keys.headers("p-1", "employee")
    )
    assert response.status_code == 403
    assert "admin" in response.json()["detail"]
    allowed = await sample.client.post(
        "/notes", json={"text": "hei"}, headers=dev_keys.headers("p-2", "admin")
    )
    assert allowed.status_code == 201


async def test_invalid_input_is_422_naming_the_field(
    sample: RunningService, dev_keys: DevKeys
) -> None:
    response = await sample.client.post(
        "/notes", json={"text": "x" * 51, "extra": 1}, headers=dev_keys.headers("p", "admin")
    )
    assert response.status_code == 422
    fields = {error["field"] for error in response.json()["errors"]}
    assert fields == {"text", "extra"}


async def test_oversized_body_is_413(sample: RunningService, dev_keys: DevKeys) -> None:
    response = await sample.client.post(
        "/notes",
        content=b'{"text": "' + b"x" * 5000 + b'"}',
        headers={**dev_keys.headers("p", "admin"), "content-type": "application/json"},
    )
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"


async def test_oversized_chunked_body_is_413_too(sample: RunningService, dev_keys: DevKeys) -> None:
    # No Content-Length: the limit is found while the body arrives, after the route began
    # parsing it (FastAPI would answer 400 "error parsing the body").
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"text": "'
        for _ in range(10):
            yield b"x" * 1000
        yield b'"}'

    response = await sample.client.post(
        "/notes",
        content=chunks(),
        headers={**dev_keys.headers("p", "admin"), "content-type": "application/json"},
    )
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"
    assert "limit" in response.json()["detail"]


async def test_openapi_documents_every_route_with_its_security(sample: RunningService) -> None:
    spec = (await sample.client.get("/openapi.json")).json()
    assert spec["paths"]["/notes"]["post"]["security"] == [{"HTTPBearer": []}]
    assert "401" in spec["paths"]["/whoami"]["get"]["responses"]


async def test_responses_carry_safe_headers(sample: RunningService, dev_keys: DevKeys) -> None:
    response = await sample.client.get("/whoami", headers=dev_keys.headers("p-1", "employee"))
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["content-security-policy"].startswith("default-src 'none'")
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["cache-control"] == "no-store"
    assert "strict-transport-security" not in response.headers, "no HSTS over plain HTTP"
    problem = await sample.client.get("/whoami")
    assert problem.headers["x-content-type-options"] == "nosniff"


async def test_hsts_is_sent_over_tls(sample: RunningService) -> None:
    from httpx import ASGITransport, AsyncClient

    async with AsyncClient(
        transport=ASGITransport(app=sample.app), base_url="https://ideapaja.example"
    ) as tls_client:
        response = await tls_client.get("/healthz")
    assert response.headers["strict-transport-security"].startswith("max-age=31536000")


async def test_api_docs_may_load_their_assets(sample: RunningService) -> None:
    response = await sample.client.get("/docs")
    assert "cdn.jsdelivr.net" in response.headers["content-security-policy"]


async def test_every_request_is_counted_timed_and_logged_with_its_trace(
    sample: RunningService, dev_keys: DevKeys
) -> None:
    from prometheus_client import REGISTRY
    from structlog.contextvars import merge_contextvars
    from structlog.testing import capture_logs

    def count(route: str, status: str) -> float:
        labels = {"method": "GET", "route": route, "status": status}
        return REGISTRY.get_sample_value("ideapaja_http_requests_total", labels) or 0.0

    before = {key: count(*key) for key in [("/whoami", "200"), ("/whoami", "401")]}
    unmatched = count("unmatched", "404")
    trace = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    with capture_logs(processors=[merge_contextvars]) as logs:
        ok = await sample.client.get(
            "/whoami", headers={**dev_keys.headers("p-1", "employee"), "traceparent": trace}
        )
        refused = await sample.client.get("/whoami")
        missing = await sample.client.get("/no-such-page")
    assert (ok.status_code, refused.status_code, missing.status_code) == (200, 401, 404)
    assert count("/whoami", "200") == before[("/whoami", "200")] + 1
    assert count("/whoami", "401") == before[("/whoami", "401")] + 1
    assert count("unmatched", "404") == unmatched + 1
    requests = [line for line in logs if line["event"] == "http_request"]
    assert [(r["route"], r["status"]) for r in requests] == [
        ("/whoami", 200),
        ("/whoami", 401),
        ("unmatched", 404),
    ]
    assert requests[0]["trace_id"] == "4bf92f3577b34da6a3ce929d0e0e4736"
    # A request without a trace starts its own: a fresh id, not the previous request's.
    assert re.fullmatch("[0-9a-f]{32}", requests[1]["trace_id"])
    assert len({r["trace_id"] for r in requests}) == 3


async def test_every_problem_names_its_kind(sample: RunningService, dev_keys: DevKeys) -> None:
    """RFC 9457 type URIs that tell kinds apart (not all about:blank), stable in any language."""
    invalid = await sample.client.post(
        "/notes", json={"text": "x" * 51}, headers=dev_keys.headers("p", "admin")
    )
    unauthenticated = await sample.client.get("/whoami")
    assert invalid.json()["type"] == "urn:ideapaja:problem:invalid-input"
    assert unauthenticated.json()["type"].startswith("urn:ideapaja:problem:")
    assert unauthenticated.json()["type"] != invalid.json()["type"]


@pytest.mark.parametrize(
    "body",
    [
        b'{"text": "\xff\xfe not utf-8"}',  # not UTF-8
        b"[" * 1_000 + b"]" * 1_000,  # nested deeper than the parser goes
    ],
)
async def test_an_unreadable_body_is_the_documented_422(
    sample: RunningService, dev_keys: DevKeys, body: bytes
) -> None:
    response = await sample.client.post(
        "/notes",
        content=body,
        headers={**dev_keys.headers("p", "admin"), "content-type": "application/json"},
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["type"] in {"body_unreadable", "json_invalid"}
