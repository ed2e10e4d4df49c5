"""Verified tokens are remembered until they expire (or a few minutes), never longer."""

from __future__ import annotations

import asyncio
import time

import jwt
import pytest
from runtime_testkit import fast_settings

from ideapaja_runtime import auth
from ideapaja_runtime.auth import TokenVerifier
from ideapaja_runtime.problems import Problem
from ideapaja_runtime.testing import DevKeys


@pytest.fixture
def verifier(dev_keys: DevKeys) -> TokenVerifier:
    return TokenVerifier(
        fast_settings(
            nats_url="nats://unused", database_url="sqlite://", auth_public_key=dev_keys.public_pem
        )
    )


def counting(verifier: TokenVerifier, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    checked: list[str] = []
    verify = verifier._verify

    def spy(token: str, key: object = None) -> tuple[auth.Principal, float]:
        checked.append(token)
        return verify(token, key)

    monkeypatch.setattr(verifier, "_verify", spy)
    return checked


async def test_a_token_is_verified_once_then_remembered(
    verifier: TokenVerifier, dev_keys: DevKeys, monkeypatch: pytest.MonkeyPatch
) -> None:
    checked = counting(verifier, monkeypatch)
    token = dev_keys.token("p-1001", "employee", units=["u-kirjasto"])
    first = await verifier.authenticate(token)
    again = await verifier.authenticate(token)
    assert first == again
    assert first.person_id == "p-1001" and first.unit_ids == {"u-kirjasto"}
    assert len(checked) == 1
    other = await verifier.authenticate(dev_keys.token("p-1002", "employee"))
    assert other.person_id == "p-1002"
    assert len(checked) == 2


async def test_a_remembered_token_is_refused_once_it_expires(dev_keys: DevKeys) -> None:
    strict = TokenVerifier(
        fast_settings(
            nats_url="nats://unused",
            database_url="sqlite://",
            auth_public_key=dev_keys.public_pem,
            auth_leeway_seconds=0,
        )
    )
    token = dev_keys.token("p-1001", "employee", ttl=2)
    await strict.authenticate(token)
    exp = jwt.decode(token, options={"verify_signature": False})["exp"]
    await asyncio.sleep(max(0.0, exp - time.time()) + 0.2)
    with pytest.raises(Problem) as refused:
        await strict.authenticate(token)
    assert refused.value.status == 401


async def test_a_token_is_verified_again_after_the_reuse_period(
    verifier: TokenVerifier, dev_keys: DevKeys, monkeypatch: pytest.MonkeyPatch
) -> None:
    checked = counting(verifier, monkeypatch)
    token = dev_keys.token("p-1001", "employee", ttl=3600)
    started = time.time()
    await verifier.authenticate(token)
    monkeypatch.setattr(time, "time", lambda: started + auth.VERIFIED_TTL_SECONDS + 1)
    await verifier.authenticate(token)
    assert len(checked) == 2


async def test_refused_tokens_are_not_remembered(
    verifier: TokenVerifier, dev_keys: DevKeys
) -> None:
    forged = DevKeys().token("p-1001", "admin")
    for _ in range(2):
        with pytest.raises(Problem):
            await verifier.authenticate(forged)
    assert verifier._verified == {}


async def test_the_memory_is_bounded(
    verifier: TokenVerifier, dev_keys: DevKeys, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(auth, "VERIFIED_MAX_TOKENS", 3)
    tokens = [dev_keys.token(f"p-{n}", "employee") for n in range(5)]
    for token in tokens:
        await verifier.authenticate(token)
    assert len(verifier._verified) == 3
