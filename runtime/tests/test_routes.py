"""Routes on the unit of work: the action named once, the transaction committed before the
response, domain errors mapped once (ideapaja_runtime.routes, .errors, .authz)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from runtime_sample_service import POLICY, Behaviour, build, count_effects
from runtime_testkit import fast_settings

from ideapaja_runtime.testing import DevKeys, RunningService, running_service
from ideapaja_runtime.testing_builders import wiring


@pytest.fixture
async def sample(
    nats_url: str, database_url: str, dev_keys: DevKeys
) -> AsyncIterator[RunningService]:
    settings = fast_settings(**wiring(nats_url, database_url, dev_keys))
    async with running_service(build(Behaviour()), settings) as service:
        yield service


async def stored(sample: RunningService, idea_id: str) -> int:
    async with sample.runtime.db.transaction() as session:
        return await count_effects(session, idea_id)


async def test_the_work_is_committed_when_the_2xx_arrives(
    sample: RunningService, dev_keys: DevKeys
) -> None:
    response = await sample.client.post(
        "/effects", json={"idea_id": "i-1"}, headers=dev_keys.headers("p-7", "employee")
    )
    assert response.status_code == 201, response.text
    # The unit of work carried the person the policy admitted.
    assert response.json()["actor"] == "p-7"
    assert await stored(sample, "i-1") == 1
    assert await sample.runtime.relay.pending() in (0, 1)  # type: ignore[union-attr]


async def test_a_failing_commit_never_answers_2xx_and_stores_nothing(
    sample: RunningService, dev_keys: DevKeys
) -> None:
    # As a server would: the error answer is sent and the exception is not raised to the client.
    transport = httpx.ASGITransport(app=sample.app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://sample") as client:
        response = await client.post(
            "/effects",
            json={"idea_id": "fail-commit"},
            headers=dev_keys.headers("p-7", "employee"),
        )
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert await stored(sample, "fail-commit") == 0


@pytest.mark.parametrize(
    ("idea_id", "expected"),
    [
        # A domain error rolls back and maps to problem+json, with what is allowed.
        ("conflict", {"title": "Already decided", "allowed": ["reopen"]}),
        # The service's own mapping is used once registered.
        ("stale", {"title": "Stale idea"}),
    ],
)
async def test_a_domain_error_rolls_back_and_maps_to_problem_json(
    sample: RunningService, dev_keys: DevKeys, idea_id: str, expected: dict[str, object]
) -> None:
    response = await sample.client.post(
        "/effects", json={"idea_id": idea_id}, headers=dev_keys.headers("p-7", "employee")
    )
    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert {key: body[key] for key in expected} == expected
    assert await stored(sample, idea_id) == 0


async def test_the_action_named_once_is_enforced_and_documented(
    sample: RunningService, dev_keys: DevKeys
) -> None:
    refused = await sample.client.post(
        "/effects", json={"idea_id": "i-2"}, headers=dev_keys.headers("p-8", "hr")
    )
    assert refused.status_code == 403
    assert refused.json()["reason"] == "role"
    assert await stored(sample, "i-2") == 0
    unauthenticated = await sample.client.get("/effects/i-2")
    assert unauthenticated.status_code == 401

    read = await sample.client.get("/effects/i-1", headers=dev_keys.headers("p-8", "hr"))
    assert read.json() == {"count": 0, "asked_by": "p-8"}

    operation = (await sample.client.get("/openapi.json")).json()["paths"]["/effects"]["post"]
    assert operation["x-ideapaja-action"] == "sample.effects.record"
    assert operation["x-ideapaja-roles"] == sorted(POLICY["effects.record"].roles)


async def test_unknown_query_parameters_are_refused_by_name(
    sample: RunningService, dev_keys: DevKeys
) -> None:
    response = await sample.client.get(
        "/effects/i-1?verbose=1&stauts=open", headers=dev_keys.headers("p-8", "hr")
    )
    assert response.status_code == 422
    body = response.json()
    assert [e["field"] for e in body["errors"]] == ["stauts", "verbose"]
    assert "this operation takes: detail" in body["detail"]
    declared = await sample.client.get(
        "/effects/i-1?detail=true", headers=dev_keys.headers("p-8", "hr")
    )
    assert declared.status_code == 200, declared.text
