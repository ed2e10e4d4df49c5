"""Per-client-IP rate limits through the HTTP API: a limited route, failed authentications,
addresses behind trusted proxies and spoofed X-Forwarded-For."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import jwt
import pytest
from httpx import AsyncClient, Response
from pydantic import ValidationError
from runtime_sample_service import Behaviour, build
from runtime_testkit import fast_settings

from ideapaja_runtime.iplimits import IpRateLimiter
from ideapaja_runtime.settings import ServiceSettings
from ideapaja_runtime.testing import DevKeys, RunningService, running_service
from ideapaja_runtime.testing_builders import peer, wiring

PROXY = "10.0.0.1"
PROBLEM_KEYS = {"type", "title", "status", "detail", "instance", "retry_after"}


@asynccontextmanager
async def limited(
    nats_url: str, sqlite_url: str, dev_keys: DevKeys, **overrides: Any
) -> AsyncIterator[RunningService]:
    values: dict[str, Any] = {
        "rate_limit_per_ip_submissions": "3/minute",
        "rate_limit_per_ip_auth_failures": "2/minute",
        "trusted_proxies": [PROXY],
        **overrides,
    }
    settings = fast_settings(**wiring(nats_url, sqlite_url, dev_keys), **values)
    async with running_service(build(Behaviour()), settings) as service:
        yield service


@pytest.fixture
async def sample(
    nats_url: str, sqlite_url: str, dev_keys: DevKeys
) -> AsyncIterator[RunningService]:
    async with limited(nats_url, sqlite_url, dev_keys) as service:
        yield service


def assert_limited(response: Response) -> int:
    assert response.status_code == 429, response.text
    assert response.headers["content-type"] == "application/problem+json"
    retry_after = int(response.headers["retry-after"])
    assert 1 <= retry_after <= 60
    body = response.json()
    assert body["title"] == "Too many requests"
    assert body["retry_after"] == retry_after
    # Nothing about the limit's inner workings (keys, storage, the configured rates).
    assert set(body) <= PROBLEM_KEYS
    assert "/minute" not in response.text and "LIMITER" not in response.text
    return retry_after


async def refusals_counted(service: RunningService, limit: str) -> bool:
    """The metrics count refusals under ``limit``."""
    metrics = (await service.client.get("/metrics")).text
    return f'ideapaja_rate_limited_total{{limit="{limit}"}}' in metrics


async def pings(client: AsyncClient, headers: dict[str, str], n: int, **kwargs: Any) -> list[int]:
    return [
        (await client.post("/pings", headers={**headers, **kwargs.get("extra", {})})).status_code
        for _ in range(n)
    ]


async def test_over_the_limit_is_a_429_problem_with_retry_after(
    sample: RunningService, dev_keys: DevKeys
) -> None:
    headers = dev_keys.headers("p-1", "employee")
    async with peer(sample, "203.0.113.9") as client:
        assert await pings(client, headers, 3) == [201, 201, 201]
        assert_limited(await client.post("/pings", headers=headers))
        # Routes without the limit are not affected.
        assert (await client.get("/whoami", headers=headers)).status_code == 200
    assert await refusals_counted(sample, "submissions")


async def test_different_addresses_are_counted_apart(
    sample: RunningService, dev_keys: DevKeys
) -> None:
    headers = dev_keys.headers("p-1", "employee")
    async with peer(sample, "203.0.113.9") as first, peer(sample, "198.51.100.4") as second:
        assert await pings(first, headers, 4) == [201, 201, 201, 429]
        assert await pings(second, headers, 3) == [201, 201, 201]
        assert (await second.post("/pings", headers=headers)).status_code == 429


async def test_ipv6_neighbours_in_one_64_block_share_a_count(
    sample: RunningService, dev_keys: DevKeys
) -> None:
    headers = dev_keys.headers("p-1", "employee")
    for n in range(3):
        async with peer(sample, f"2001:db8:5:6::{n + 1}") as client:
            assert (await client.post("/pings", headers=headers)).status_code == 201
    async with peer(sample, "2001:db8:5:6:ffff::1") as client:
        assert (await client.post("/pings", headers=headers)).status_code == 429
    async with peer(sample, "2001:db8:5:7::1") as client:
        assert (await client.post("/pings", headers=headers)).status_code == 201


async def test_forwarded_for_from_an_untrusted_peer_is_ignored(
    sample: RunningService, dev_keys: DevKeys
) -> None:
    """A client cannot escape its count by claiming to be someone else."""
    headers = dev_keys.headers("p-1", "employee")
    async with peer(sample, "203.0.113.9") as client:
        codes = [
            (
                await client.post(
                    "/pings", headers={**headers, "X-Forwarded-For": f"198.51.100.{n}"}
                )
            ).status_code
            for n in range(4)
        ]
    assert codes == [201, 201, 201, 429]


async def test_forwarded_for_from_a_trusted_proxy_names_the_client(
    sample: RunningService, dev_keys: DevKeys
) -> None:
    headers = dev_keys.headers("p-1", "employee")

    def via_proxy(chain: str) -> dict[str, str]:
        return {**headers, "X-Forwarded-For": chain}

    async with peer(sample, PROXY) as proxy:
        for _ in range(3):
            assert (
                await proxy.post("/pings", headers=via_proxy("198.51.100.1"))
            ).status_code == 201
        assert_limited(await proxy.post("/pings", headers=via_proxy("198.51.100.1")))
        # What the client put in front of the proxy's entry does not make it someone else.
        spoofed = via_proxy("6.6.6.6, 198.51.100.1")
        assert (await proxy.post("/pings", headers=spoofed)).status_code == 429
        # Another client behind the same proxy has a count of its own.
        assert (await proxy.post("/pings", headers=via_proxy("198.51.100.2"))).status_code == 201
    # The proxy's own address was never counted.
    async with peer(sample, PROXY) as proxy:
        assert await pings(proxy, headers, 3) == [201, 201, 201]


async def test_forwarded_proto_is_believed_from_a_trusted_proxy_only(
    sample: RunningService,
) -> None:
    https = {"X-Forwarded-Proto": "https"}
    async with peer(sample, PROXY) as proxy, peer(sample, "203.0.113.9") as direct:
        assert "strict-transport-security" in (await proxy.get("/healthz", headers=https)).headers
        assert (
            "strict-transport-security" not in (await direct.get("/healthz", headers=https)).headers
        )


def expired_token(dev_keys: DevKeys) -> str:
    now = int(time.time())
    claims = {"sub": "p-1", "roles": [], "iss": "ideapaja-dev", "aud": "ideapaja"}
    claims |= {"iat": now - 3600, "exp": now - 1800}
    return jwt.encode(claims, dev_keys.private_key, algorithm="RS256")


async def test_failed_authentications_are_limited_per_address(
    sample: RunningService, dev_keys: DevKeys
) -> None:
    forged = DevKeys().headers("p-1", "admin")  # signed by a key the service does not know
    valid = dev_keys.headers("p-2", "employee")
    async with peer(sample, "203.0.113.9") as guesser, peer(sample, "198.51.100.4") as other:
        assert (await guesser.get("/whoami", headers=forged)).status_code == 401
        assert (
            await guesser.get("/whoami", headers={"Authorization": "Bearer x.y.z"})
        ).status_code == 401
        # Over the limit: refused before any token is looked at, a valid one too.
        assert_limited(await guesser.get("/whoami", headers=forged))
        assert_limited(await guesser.get("/whoami", headers=valid))
        # Someone else, from another address, is not affected.
        assert (await other.get("/whoami", headers=valid)).status_code == 200
    assert await refusals_counted(sample, "auth_failures")


async def test_a_token_verified_before_still_works_from_an_address_over_the_limit(
    sample: RunningService, dev_keys: DevKeys
) -> None:
    colleague = dev_keys.headers("p-3", "employee")
    forged = DevKeys().headers("p-1", "admin")
    async with peer(sample, "203.0.113.10") as office:
        assert (await office.get("/whoami", headers=colleague)).status_code == 200
        guesses = [(await office.get("/whoami", headers=forged)).status_code for _ in range(10)]
        assert guesses[-1] == 429, guesses
        # The office address is over the limit: a guess is refused before verification, but
        # the colleague's token, verified a moment ago, goes on working.
        assert_limited(await office.get("/whoami", headers=forged))
        assert (await office.get("/whoami", headers=colleague)).status_code == 200
        assert_limited(await office.get("/whoami", headers=dev_keys.headers("p-4", "employee")))


async def test_expired_and_missing_tokens_are_no_failed_authentication(
    sample: RunningService, dev_keys: DevKeys
) -> None:
    """A genuine token that expired is a client to refresh, and no token is no guess."""
    expired = {"Authorization": f"Bearer {expired_token(dev_keys)}"}
    async with peer(sample, "203.0.113.9") as client:
        for _ in range(4):
            assert (await client.get("/whoami", headers=expired)).status_code == 401
            assert (await client.get("/whoami")).status_code == 401
        valid = dev_keys.headers("p-2", "employee")
        assert (await client.get("/whoami", headers=valid)).status_code == 200


async def test_an_empty_setting_switches_a_limit_off(
    nats_url: str, sqlite_url: str, dev_keys: DevKeys
) -> None:
    async with limited(
        nats_url,
        sqlite_url,
        dev_keys,
        rate_limit_per_ip_submissions="",
        rate_limit_per_ip_auth_failures=" ",
    ) as service:
        headers = dev_keys.headers("p-1", "employee")
        async with peer(service, "203.0.113.9") as client:
            assert await pings(client, headers, 6) == [201] * 6
            forged = DevKeys().headers("p-1", "admin")
            assert [
                (await client.get("/whoami", headers=forged)).status_code for _ in range(4)
            ] == [401] * 4


async def test_a_failing_store_lets_requests_through(
    sample: RunningService, dev_keys: DevKeys, monkeypatch: pytest.MonkeyPatch
) -> None:
    limiter: IpRateLimiter = sample.app.state.ip_limiter

    async def broken(*_args: object, **_kwargs: object) -> bool:
        raise ConnectionError("store unreachable")

    monkeypatch.setattr(limiter.strategy, "hit", broken)
    headers = dev_keys.headers("p-1", "employee")
    async with peer(sample, "203.0.113.9") as client:
        assert await pings(client, headers, 5) == [201] * 5


@pytest.mark.parametrize(
    "settings",
    [
        {"rate_limit_per_ip_submissions": "lots"},
        {"rate_limit_per_ip_auth_failures": "10 per fortnight"},
        {"trusted_proxies": ["the-load-balancer"]},
    ],
)
def test_settings_refuse_what_they_cannot_mean(settings: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        ServiceSettings(**settings)


def test_a_service_names_its_own_limits_by_setting() -> None:
    class CommentSettings(ServiceSettings):
        rate_limit_per_ip_comments: str = "5/minute"

    limiter = IpRateLimiter("sample", CommentSettings())
    assert [str(item) for item in limiter.items("comments")] == ["5 per 1 minute"]
    with pytest.raises(LookupError, match="rate_limit_per_ip_nothing"):
        limiter.items("nothing")
