"""Service tokens by the client-credentials grant: what is sent, caching and refresh, one request
for many callers, retries of transient failures, refusals, and the secret kept out of sight."""

from __future__ import annotations

import asyncio
import base64
import time
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest
from pydantic import SecretStr, ValidationError
from structlog.testing import capture_logs

from ideapaja_runtime.auth import TokenVerifier
from ideapaja_runtime.client_credentials import ServiceTokenError, ServiceTokenProvider
from ideapaja_runtime.settings import ServiceSettings
from ideapaja_runtime.testing import DevKeys, TokenEndpoint, free_port

URL = "https://login.kuusijarvi.example/oauth2/v2.0/token"
SECRET = "s3cr:t/ä+&=%"  # characters Basic and form encoding must both survive


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


Handler = Callable[[httpx.Request], Awaitable[httpx.Response] | httpx.Response]


class Provider:
    """A token endpoint scripted by the test, and what it received."""

    def __init__(self, answer: Handler) -> None:
        self.answer = answer
        self.received: list[httpx.Request] = []

    async def handle(self, request: httpx.Request) -> httpx.Response:
        self.received.append(request)
        result = self.answer(request)
        return await result if isinstance(result, Awaitable) else result

    @property
    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def form(self, index: int = -1) -> dict[str, str]:
        return dict(parse_qsl(self.received[index].content.decode()))


def granted(token: str = "tok-1", expires_in: Any = 300) -> httpx.Response:  # noqa: S107
    return httpx.Response(
        200, json={"access_token": token, "token_type": "Bearer", "expires_in": expires_in}
    )


def provider_for(endpoint: Provider, clock: Clock | None = None, **kwargs: Any) -> Any:
    return ServiceTokenProvider(
        URL,
        "privacy",
        SecretStr(SECRET),
        transport=endpoint.transport,
        clock=clock or Clock(),
        backoff_seconds=0,
        **kwargs,
    )


async def test_asks_with_the_client_credentials_grant_and_basic_authentication() -> None:
    endpoint = Provider(lambda request: granted())
    tokens = provider_for(endpoint, scope="api://ideapaja/.default")
    assert await tokens.token() == "tok-1"
    [request] = endpoint.received
    assert request.method == "POST" and str(request.url) == URL
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert endpoint.form() == {
        "grant_type": "client_credentials",
        "scope": "api://ideapaja/.default",
    }
    # RFC 6749 §2.3.1: id and secret form-urlencoded before Basic encodes them.
    scheme, encoded = request.headers["authorization"].split(" ")
    assert scheme == "Basic"
    assert base64.b64decode(encoded).decode() == "privacy:s3cr%3At%2F%C3%A4%2B%26%3D%25"
    await tokens.aclose()


async def test_client_secret_post_sends_the_credentials_in_the_body() -> None:
    endpoint = Provider(lambda request: granted())
    tokens = provider_for(endpoint, auth_method="client_secret_post", audience="ideapaja")
    await tokens.token()
    assert "authorization" not in endpoint.received[0].headers
    assert endpoint.form() == {
        "grant_type": "client_credentials",
        "audience": "ideapaja",
        "client_id": "privacy",
        "client_secret": SECRET,
    }


async def test_a_token_is_cached_until_shortly_before_it_expires() -> None:
    answers = iter(["tok-1", "tok-2", "tok-3"])
    endpoint = Provider(lambda request: granted(next(answers), expires_in=300))
    clock = Clock()
    tokens = provider_for(endpoint, clock, refresh_margin_seconds=60)
    assert await tokens.token() == "tok-1"
    clock.now += 239
    assert await tokens.token() == "tok-1"
    assert len(endpoint.received) == 1
    clock.now += 2  # 241 s: inside the last minute
    assert await tokens.token() == "tok-2"
    assert len(endpoint.received) == 2
    # A short-lived token is renewed half way, not a minute early (which would be always).
    short = Provider(lambda request: granted(expires_in="20"))
    tokens = provider_for(short, clock, refresh_margin_seconds=60)
    await tokens.token()
    clock.now += 9
    await tokens.token()
    assert len(short.received) == 1
    clock.now += 2
    await tokens.token()
    assert len(short.received) == 2


async def test_without_expires_in_the_jwt_exp_says_when(dev_keys: DevKeys) -> None:
    jwt_token = dev_keys.token("service:privacy", "privacy-service", ttl=100)
    endpoint = Provider(
        lambda request: httpx.Response(
            200, json={"access_token": jwt_token, "token_type": "bearer"}
        )
    )
    clock = Clock()
    tokens = provider_for(endpoint, clock, refresh_margin_seconds=10)
    assert await tokens.token() == jwt_token
    clock.now += 80
    await tokens.token()
    assert len(endpoint.received) == 1
    clock.now += 15
    await tokens.token()
    assert len(endpoint.received) == 2


async def test_many_concurrent_callers_share_one_request() -> None:
    async def slow(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(0.05)
        return granted()

    endpoint = Provider(slow)
    tokens = provider_for(endpoint)
    found = await asyncio.gather(*(tokens.token() for _ in range(50)))
    assert set(found) == {"tok-1"}
    assert len(endpoint.received) == 1
    # A caller that gives up does not cancel the request the others wait for.
    tokens.invalidate("tok-1")
    impatient = asyncio.create_task(tokens.token())
    patient = asyncio.create_task(tokens.token())
    await asyncio.sleep(0.01)
    impatient.cancel()
    assert await patient == "tok-1"
    assert len(endpoint.received) == 2


async def test_transient_failures_are_retried() -> None:
    script = iter(
        [
            httpx.Response(503, json={"error": "temporarily_unavailable"}),
            httpx.ConnectError("refused"),
            httpx.Response(429),
            granted("tok-after-retries"),
        ]
    )

    def answer(request: httpx.Request) -> httpx.Response:
        step = next(script)
        if isinstance(step, Exception):
            raise step
        return step

    endpoint = Provider(answer)
    tokens = provider_for(endpoint, attempts=4)
    assert await tokens.token() == "tok-after-retries"
    assert len(endpoint.received) == 4


async def test_a_provider_that_stays_down_fails_after_the_attempts() -> None:
    endpoint = Provider(lambda request: httpx.Response(502, text="bad gateway"))
    tokens = provider_for(endpoint, attempts=3)
    with pytest.raises(ServiceTokenError) as failure:
        await tokens.token()
    assert failure.value.transient and "502" in str(failure.value)
    assert len(endpoint.received) == 3
    # The next caller tries again (a failure is not cached).
    endpoint.answer = lambda request: granted()
    assert await tokens.token() == "tok-1"


async def test_a_refusal_fails_at_once_and_never_shows_the_secret() -> None:
    refusal = {"error": "invalid_client", "error_description": "AADSTS7000215: Invalid secret"}
    endpoint = Provider(lambda request: httpx.Response(401, json=refusal))
    tokens = provider_for(endpoint, attempts=5)
    with capture_logs() as logs, pytest.raises(ServiceTokenError) as failure:
        await tokens.token()
    assert failure.value.error == "invalid_client" and not failure.value.transient
    assert "AADSTS7000215" in str(failure.value)
    assert len(endpoint.received) == 1  # no retry of a wrong secret
    assert [entry["event"] for entry in logs] == ["service_token_refused"]
    assert logs[0]["status"] == 401 and logs[0]["client_id"] == "privacy"
    shown = f"{failure.value!r} {failure.value} {tokens!r} {logs}"
    assert SECRET not in shown and "s3cr" not in shown


@pytest.mark.parametrize(
    "body",
    [
        {"token_type": "Bearer", "expires_in": 60},
        {"access_token": "x", "token_type": "mac", "expires_in": 60},
    ],
)
async def test_an_answer_without_a_bearer_token_is_an_error(body: dict[str, Any]) -> None:
    tokens = provider_for(Provider(lambda request: httpx.Response(200, json=body)))
    with pytest.raises(ServiceTokenError):
        await tokens.token()


async def test_a_cached_token_still_valid_outlives_a_failed_refresh() -> None:
    endpoint = Provider(lambda request: granted(expires_in=300))
    clock = Clock()
    tokens = provider_for(endpoint, clock, attempts=1)
    assert await tokens.token() == "tok-1"
    endpoint.answer = lambda request: httpx.Response(503)
    clock.now += 250  # due for refresh, still valid for 50 s
    with capture_logs() as logs:
        assert await tokens.token() == "tok-1"
    assert "service_token_refresh_failed_using_cached" in [e["event"] for e in logs]
    clock.now += 60  # expired: nothing to fall back on
    with pytest.raises(ServiceTokenError):
        await tokens.token()


async def test_an_invalidated_token_is_fetched_again() -> None:
    answers = iter(["tok-1", "tok-2"])
    endpoint = Provider(lambda request: granted(next(answers)))
    tokens = provider_for(endpoint)
    assert await tokens.token() == "tok-1"
    tokens.invalidate("some-older-token")  # not the cached one: kept
    assert await tokens.token() == "tok-1"
    tokens.invalidate("tok-1")
    assert await tokens.token() == "tok-2"


async def test_the_token_verifies_as_a_service_principal(dev_keys: DevKeys) -> None:
    idp = TokenEndpoint(dev_keys, {"privacy": SECRET})
    settings = ServiceSettings(auth_public_key=dev_keys.public_pem, **idp.settings("privacy"))
    tokens = ServiceTokenProvider.from_settings(settings, transport=idp.transport)
    assert tokens is not None
    principal = TokenVerifier(settings).verify(await tokens.token())
    assert principal.person_id == "service:privacy"
    assert principal.roles == {"privacy-service"}
    await tokens.token()
    assert idp.requests == 1


def test_settings_configure_a_complete_client_or_none(monkeypatch: pytest.MonkeyPatch) -> None:
    assert ServiceTokenProvider.from_settings(ServiceSettings()) is None
    with pytest.raises(ValidationError, match="auth_client_id and auth_client_secret"):
        ServiceSettings(auth_token_url=URL, auth_client_id="privacy")
    with pytest.raises(ValidationError, match="not an http"):
        ServiceSettings(
            auth_token_url="file:///etc/passwd", auth_client_id="x", auth_client_secret="y"
        )
    monkeypatch.setenv("IDEAPAJA_AUTH_TOKEN_URL", URL)
    monkeypatch.setenv("IDEAPAJA_AUTH_CLIENT_ID", "privacy")
    monkeypatch.setenv("IDEAPAJA_AUTH_CLIENT_SECRET", SECRET)
    monkeypatch.setenv("IDEAPAJA_AUTH_CLIENT_AUTH_METHOD", "client_secret_post")
    settings = ServiceSettings()
    assert SECRET not in repr(settings) and SECRET not in str(settings.model_dump())
    tokens = ServiceTokenProvider.from_settings(settings)
    assert tokens is not None and tokens.auth_method == "client_secret_post"
    assert SECRET not in repr(tokens)


async def test_a_real_http_round_trip_is_timed_out() -> None:
    """A token endpoint that accepts and never answers: the request times out (transient)."""
    hung: list[asyncio.StreamWriter] = []
    port = free_port()

    async def accept(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        hung.append(writer)

    server = await asyncio.start_server(accept, "127.0.0.1", port)
    tokens = ServiceTokenProvider(
        f"http://127.0.0.1:{port}/token",
        "privacy",
        SecretStr(SECRET),
        timeout_seconds=0.2,
        attempts=2,
        backoff_seconds=0,
    )
    started = time.monotonic()
    with pytest.raises(ServiceTokenError, match="unreachable: ReadTimeout") as failure:
        await tokens.token()
    assert failure.value.transient
    assert time.monotonic() - started < 3
    await tokens.aclose()
    for writer in hung:
        writer.close()
    server.close()
    await server.wait_closed()
