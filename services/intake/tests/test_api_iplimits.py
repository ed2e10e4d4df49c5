"""Per-client-IP limits on every channel that creates an idea, and on failed form tokens (the
runtime's limit of failed authentications): refused before anything is stored."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from httpx import AsyncClient, Response
from intake_testkit import (
    AUTHOR,
    COLLEAGUE,
    SettingsFor,
    count_rows,
    form_payload,
    idea_payload,
    outbox_events,
    running_intake,
)
from sqlalchemy import func, select

from ideapaja_intake.db.models import Idea, SubmissionCounter
from ideapaja_intake.domain.form_token import issue_form_token
from ideapaja_intake.settings import IntakeSettings
from ideapaja_runtime.testing import DevKeys, RunningService
from ideapaja_runtime.testing_builders import peer

INTRANET = "https://intranet.kuusijarvi.fi"
PROXY = "10.0.0.1"
JSON = {"Accept": "application/json"}


def limited_settings(settings_for: SettingsFor, database_url: str) -> IntakeSettings:
    return settings_for(
        database_url,
        rate_limit_per_ip_submissions="2/minute",
        rate_limit_per_ip_auth_failures="2/minute",
        trusted_proxies=[PROXY],
        form_allowed_origins=[INTRANET],
        citizen_channel_enabled=True,
    )


@pytest.fixture
async def intake(settings_for: SettingsFor, sqlite_url: str) -> AsyncIterator[RunningService]:
    async with running_intake(limited_settings(settings_for, sqlite_url)) as running:
        yield running


def assert_limited(response: Response, content_type: str = "application/problem+json") -> None:
    assert response.status_code == 429, response.text
    assert response.headers["content-type"].startswith(content_type)
    assert 1 <= int(response.headers["retry-after"]) <= 60
    if content_type == "application/problem+json":
        body = response.json()
        assert body["title"] == "Too many requests" and body["status"] == 429
        assert set(body) <= {"type", "title", "status", "detail", "instance", "retry_after"}


async def person_count(running: RunningService) -> int:
    """The per-person submission counter (its own rule, untouched by per-IP refusals)."""
    async with running.runtime.db.transaction() as session:
        return int(await session.scalar(select(func.sum(SubmissionCounter.count))) or 0)


async def form_token(client: AsyncClient, dev_keys: DevKeys, person: str = AUTHOR) -> str:
    issued = await client.post("/form-tokens", headers=dev_keys.headers(person, "employee"))
    assert issued.status_code == 201, issued.text
    return str(issued.json()["form_token"])


async def test_a_refused_submission_stores_no_idea_and_no_event(
    settings_for: SettingsFor, database_url: str, dev_keys: DevKeys
) -> None:
    async with running_intake(limited_settings(settings_for, database_url)) as running:
        headers = dev_keys.headers(AUTHOR, "employee")
        async with peer(running, "203.0.113.9") as client:
            for n in range(2):
                created = await client.post(
                    "/ideas", json=idea_payload(title=f"Idea {n}"), headers=headers
                )
                assert created.status_code == 201, created.text
            assert_limited(await client.post("/ideas", json=idea_payload(), headers=headers))
        assert await count_rows(running.runtime, Idea) == 2
        assert len(await outbox_events(running.runtime, "idea.submitted")) == 2
        assert await person_count(running) == 2
        # The same person from another address is not refused.
        async with peer(running, "198.51.100.4") as elsewhere:
            other = await elsewhere.post("/ideas", json=idea_payload(), headers=headers)
            assert other.status_code == 201, other.text


async def test_every_channel_that_creates_an_idea_shares_the_count(
    intake: RunningService, dev_keys: DevKeys
) -> None:
    staff = dev_keys.headers(AUTHOR, "employee")
    async with peer(intake, "203.0.113.9") as client:
        assert (await client.post("/ideas", json=idea_payload(), headers=staff)).status_code == 201
        draft = (await client.post("/drafts", json=idea_payload(), headers=staff)).json()
        submitted = await client.post(f"/drafts/{draft['id']}/submit", headers=staff)
        assert submitted.status_code == 201, submitted.text
        # The address has used its two; every other channel refuses it too.
        assert_limited(await client.post(f"/drafts/{draft['id']}/submit", headers=staff))
        form = await client.post(
            "/ideas/form",
            data=form_payload(),
            headers={**staff, **JSON, "Origin": INTRANET},
        )
        assert_limited(form)
        assert form.headers["access-control-allow-origin"] == INTRANET
        assert "Retry-After" in form.headers["access-control-expose-headers"]
        token = await form_token(client, dev_keys)
        page = await client.post(
            "/embed/idea-form", data={**form_payload(), "form_token": token, "lang": "en"}
        )
        assert_limited(page, "text/html")
        assert "Too many requests have come from this network" in page.text
        citizen = await client.post(
            "/citizen/ideas",
            json={k: v for k, v in idea_payload().items() if k not in ("scope", "anonymous")},
            headers=dev_keys.headers("suomifi-1", "citizen"),
        )
        assert_limited(citizen)
    assert await count_rows(intake.runtime, Idea) == 2
    assert len(await outbox_events(intake.runtime, "idea.submitted")) == 2


async def test_refused_requests_are_not_counted(intake: RunningService, dev_keys: DevKeys) -> None:
    """Only submissions that got as far as being stored count: an invalid one (422) or one
    without the right role (403) does not use up the address's allowance."""
    staff = dev_keys.headers(AUTHOR, "employee")
    async with peer(intake, "203.0.113.9") as client:
        for _ in range(3):
            invalid = await client.post("/ideas", json=idea_payload(title="ab"), headers=staff)
            assert invalid.status_code == 422
            citizen_on_staff_route = await client.post(
                "/ideas", json=idea_payload(), headers=dev_keys.headers("s-1", "citizen")
            )
            assert citizen_on_staff_route.status_code == 403
        for _ in range(2):
            assert (
                await client.post("/ideas", json=idea_payload(), headers=staff)
            ).status_code == 201


async def test_one_employee_cannot_use_up_the_office_with_refused_attempts(
    intake: RunningService, dev_keys: DevKeys
) -> None:
    """Submitting a draft that does not exist (404), or an idea naming a co-author HR does not
    know (422), stores nothing and does not count: a colleague behind the same address still
    gets through."""
    staff = dev_keys.headers(AUTHOR, "employee")
    async with peer(intake, "203.0.113.9") as client:
        for _ in range(5):
            missing = await client.post("/drafts/d-does-not-exist/submit", headers=staff)
            assert missing.status_code == 404, missing.text
            unknown = await client.post(
                "/ideas",
                json=idea_payload(invited_ids=["p-nobody-at-all"]),
                headers={**staff, "Idempotency-Key": f"k-{_}"},
            )
            assert unknown.status_code in (404, 409, 422), unknown.text
        colleague = dev_keys.headers(COLLEAGUE, "employee")
        accepted = await client.post("/ideas", json=idea_payload(), headers=colleague)
        assert accepted.status_code == 201, accepted.text


async def test_forged_form_tokens_count_as_failed_authentications(
    intake: RunningService, dev_keys: DevKeys
) -> None:
    async with peer(intake, "203.0.113.9") as guesser, peer(intake, "198.51.100.4") as other:
        valid = await form_token(guesser, dev_keys)
        for forged in ("v1.e30.forged", valid[:-4] + "AAAA"):
            refused = await guesser.post(
                "/ideas/form", data={**form_payload(), "form_token": forged}, headers=JSON
            )
            assert refused.status_code == 401
        # Over the limit: even a valid form token or bearer token from that address is refused
        # before it is read, on every route that takes one.
        assert_limited(
            await guesser.post(
                "/ideas/form", data={**form_payload(), "form_token": valid}, headers=JSON
            )
        )
        assert_limited(await guesser.get(f"/embed/idea-form?form_token={valid}"), "text/html")
        assert_limited(await guesser.get("/ideas?mine=true", headers=dev_keys.headers(AUTHOR)))
        # Another address is not affected.
        created = await other.post(
            "/ideas/form", data={**form_payload(), "form_token": valid}, headers=JSON
        )
        assert created.status_code == 201, created.text
    assert await count_rows(intake.runtime, Idea) == 1


async def test_forged_bearer_tokens_on_the_form_route_count_too(
    intake: RunningService, dev_keys: DevKeys
) -> None:
    forged = {**DevKeys().headers(AUTHOR, "employee"), **JSON}
    async with peer(intake, "203.0.113.9") as guesser:
        for _ in range(2):
            assert (
                await guesser.post("/ideas/form", data=form_payload(), headers=forged)
            ).status_code == 401
        page = await guesser.get("/embed/idea-form", headers=dev_keys.headers(AUTHOR))
        assert_limited(page, "text/html")


async def test_an_expired_form_token_is_no_failed_authentication(
    intake: RunningService, dev_keys: DevKeys
) -> None:
    settings: IntakeSettings = intake.app.state.settings
    expired, _ = issue_form_token(
        settings.form_token_secret.get_secret_value(),
        person_id=AUTHOR,
        roles=("employee",),
        unit_ids=(),
        now=datetime.now(UTC) - timedelta(hours=3),
        ttl=timedelta(hours=2),
    )
    async with peer(intake, "203.0.113.9") as client:
        for _ in range(3):
            page = await client.get(f"/embed/idea-form?form_token={expired}")
            assert page.status_code == 401
        fresh = await form_token(client, dev_keys, COLLEAGUE)
        assert (await client.get(f"/embed/idea-form?form_token={fresh}")).status_code == 200


async def test_clients_behind_a_trusted_proxy_are_told_apart(
    intake: RunningService, dev_keys: DevKeys
) -> None:
    staff = dev_keys.headers(AUTHOR, "employee")

    async def via_proxy(proxy: AsyncClient, chain: str) -> int:
        headers = {**staff, "X-Forwarded-For": chain}
        return (await proxy.post("/ideas", json=idea_payload(), headers=headers)).status_code

    async with peer(intake, PROXY) as proxy, peer(intake, "203.0.113.9") as direct:
        assert [await via_proxy(proxy, "198.51.100.1") for _ in range(3)] == [201, 201, 429]
        assert await via_proxy(proxy, "198.51.100.2") == 201
        # Not a proxy: its X-Forwarded-For is its own invention and changes nothing.
        assert [await via_proxy(direct, f"192.0.2.{n}") for n in range(3)] == [201, 201, 429]


def test_limits_are_set_per_service_in_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IDEAPAJA_INTAKE_RATE_LIMIT_PER_IP_SUBMISSIONS", "5/minute;50/day")
    monkeypatch.setenv("IDEAPAJA_INTAKE_RATE_LIMIT_PER_IP_AUTH_FAILURES", "")
    monkeypatch.setenv("IDEAPAJA_INTAKE_TRUSTED_PROXIES", '["10.0.0.0/8", "192.0.2.7"]')
    monkeypatch.setenv("IDEAPAJA_INTAKE_RATE_LIMIT_STORAGE_URI", "memory://")
    monkeypatch.setenv("IDEAPAJA_REVIEW_RATE_LIMIT_PER_IP_SUBMISSIONS", "1/second")
    settings: Any = IntakeSettings()
    assert settings.rate_limit_per_ip_submissions == "5/minute;50/day"
    assert settings.rate_limit_per_ip_auth_failures == ""
    assert settings.trusted_proxies == ["10.0.0.0/8", "192.0.2.7"]
