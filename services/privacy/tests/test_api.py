"""The HTTP API on a real NATS: erasure requests (event, HR record deleted, idempotent),
their status, access reports gathered from other services, the audit log, and who may do what."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from privacy_testkit import hr_sent, person, privacy_settings, upserted

from ideapaja_contracts.events.privacy import ErasureRequested
from ideapaja_privacy.app import service
from ideapaja_privacy.domain.erasure import erasure_id
from ideapaja_privacy.peers import PEER_TRANSPORTS
from ideapaja_runtime.auth import TokenVerifier
from ideapaja_runtime.testing import (
    DevKeys,
    RunningService,
    TokenEndpoint,
    eventually,
    free_port,
    publish_event,
    running_service,
    stream_messages,
)
from ideapaja_runtime.testing_builders import wiring

HR_STREAM, LIFECYCLE = "IDEAPAJA_HR", "IDEAPAJA"
ERASURE = ErasureRequested.event_type()


@pytest.fixture
async def privacy(
    nats_url: str, sqlite_url: str, dev_keys: DevKeys
) -> AsyncIterator[RunningService]:
    settings = privacy_settings(**wiring(nats_url, sqlite_url, dev_keys))
    async with running_service(service, settings) as running:
        yield running


def hr(dev_keys: DevKeys) -> dict[str, str]:
    return dev_keys.headers("p-hr", "hr")


async def _erasures_in_stream(js: Any) -> list[dict[str, Any]]:
    return [json.loads(m.data) for m in await stream_messages(js, LIFECYCLE, ERASURE)]


async def test_an_erasure_for_someone_hr_never_sent_is_refused(
    privacy: RunningService, dev_keys: DevKeys, js: Any
) -> None:
    response = await privacy.client.post(
        "/erasures", headers=hr(dev_keys), json={"person_id": "nobody-1", "reason": "kokeilu"}
    )
    assert response.status_code == 422, response.text
    assert "HR has not sent nobody-1" in response.text
    assert (await privacy.client.get("/erasures", headers=hr(dev_keys))).json()["total"] == 0
    # A citizen (the Suomi.fi channel) is never sent by HR and can be erased all the same.
    citizen = await privacy.client.post(
        "/erasures",
        headers=hr(dev_keys),
        json={"person_id": "c-0123456789abcdef01234567", "reason": "Kansalaisen pyyntö"},
    )
    assert citizen.status_code == 201, citizen.text


async def test_requesting_an_erasure(privacy: RunningService, dev_keys: DevKeys, js: Any) -> None:
    await publish_event(js, upserted("p-1003"))
    await publish_event(js, upserted("p-1004", display_name="Mikko Mäki"))
    client = privacy.client
    assert await eventually(lambda: person(privacy.runtime.db, "p-1003"))

    response = await client.post(
        "/erasures",
        headers=hr(dev_keys),
        json={"person_id": "p-1003", "reason": "Tietosuojapyyntö TS-2025-014"},
    )
    assert response.status_code == 201, response.text
    erasure = response.json()
    assert erasure["id"] == erasure_id("p-1003", 1)
    assert (erasure["basis"], erasure["requested_by"], erasure["round"]) == ("request", "p-hr", 1)
    # The HR record went with the request; the colleague's stays.
    assert erasure["hr_record_deleted_at"] is not None
    assert await stream_messages(js, HR_STREAM, "hr.person.p-1003") == []
    assert len(await stream_messages(js, HR_STREAM, "hr.person.p-1004")) == 1

    # ErasureRequested reaches the stream once, with the erasure id as its event id.
    [event] = await eventually(lambda: _erasures_in_stream(js))
    assert event["person_id"] == "p-1003" and event["basis"] == "request"
    [message] = await stream_messages(js, LIFECYCLE, ERASURE)
    assert message.headers["ce-id"] == erasure["id"]

    again = await client.post(
        "/erasures", headers=dev_keys.headers("p-admin", "admin"),
        json={"person_id": "p-1003", "reason": "uudestaan"},
    )  # fmt: skip
    assert again.status_code == 200 and again.json() == erasure

    listed = await client.get("/erasures", headers=hr(dev_keys))
    assert listed.status_code == 200
    assert listed.json() == {
        "items": [erasure],
        "total": 1,
        "total_exact": True,
        "limit": 50,
        "next_cursor": None,
    }
    status = (await client.get("/erasures/p-1003", headers=hr(dev_keys))).json()
    assert status["id"] == "p-1003"
    assert status["erasure"] == erasure and status["earlier_erasures"] == []
    unknown = await client.get("/erasures/p-nobody", headers=hr(dev_keys))
    assert unknown.status_code == 404
    assert unknown.headers["content-type"].startswith("application/problem+json")

    async def one_more_event() -> bool:
        return len(await _erasures_in_stream(js)) == 1

    assert await eventually(one_more_event)


async def test_retention_status_after_leaving(
    privacy: RunningService, dev_keys: DevKeys, js: Any
) -> None:
    from ideapaja_contracts.events.hr import PersonLeft

    await publish_event(js, PersonLeft(person_id="p-7", left_on="2024-06-30"))

    async def status() -> Any:
        response = await privacy.client.get("/erasures/p-7", headers=hr(dev_keys))
        return response.json() if response.status_code == 200 else None

    found = await eventually(status)
    assert found["erasure"] is None
    assert found["retention"] == {
        "in_service": False,
        "left_on": "2024-06-30",
        "erase_on": "2025-06-30",
    }


@pytest.mark.parametrize(
    "body",
    [
        {"person_id": "p-1", "reason": "x" * 201},
        {"person_id": "p-1", "reason": "ok"},
        {"person_id": "p.1", "reason": "pyyntö"},
        {"person_id": "p-1"},
        {"person_id": "p-1", "reason": "pyyntö", "basis": "retention"},
        {"person_id": "p-1", "reason": "pyyntö \x1b[2J TS-1"},
        {"person_id": "p-1", "reason": "pyyntö \x00"},
    ],
)
async def test_requests_are_validated(
    privacy: RunningService, dev_keys: DevKeys, body: dict[str, Any]
) -> None:
    response = await privacy.client.post("/erasures", headers=hr(dev_keys), json=body)
    assert response.status_code == 422, response.text


async def test_a_method_not_allowed_names_every_method_of_the_path(
    privacy: RunningService, dev_keys: DevKeys
) -> None:
    response = await privacy.client.delete("/erasures", headers=hr(dev_keys))
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, POST"
    assert response.headers["content-type"] == "application/problem+json"


async def test_who_may_do_what(privacy: RunningService, dev_keys: DevKeys) -> None:
    client = privacy.client
    body = {"person_id": "p-1003", "reason": "pyyntö"}
    for role in ("employee", "change_agent", "supervisor", "management", "reward_approver"):
        headers = dev_keys.headers("p-1", role)
        for method, path in (("POST", "/erasures"), ("GET", "/erasures"), ("GET", "/audit")):
            response = await client.request(method, path, headers=headers, json=body)
            assert response.status_code == 403, (role, path)
            assert response.json()["reason"] == "role"
        other = await client.get("/persons/p-1003/report", headers=headers)
        assert other.status_code == 403 and other.json()["reason"] == "object"
        own = await client.get("/persons/p-1/report", headers=headers)
        assert own.status_code == 200
    hr_only = await client.get("/audit", headers=hr(dev_keys))
    assert hr_only.status_code == 403
    assert (await client.get("/erasures")).status_code == 401


async def test_erasures_and_the_audit_log_a_page_at_a_time(
    privacy: RunningService, dev_keys: DevKeys
) -> None:
    client = privacy.client
    await hr_sent(privacy.runtime.db, "p-2001", "p-2002", "p-2003")
    for person_id in ("p-2001", "p-2002", "p-2003"):
        body = {"person_id": person_id, "reason": "Tietosuojapyyntö"}
        assert (await client.post("/erasures", headers=hr(dev_keys), json=body)).status_code == 201
    headers = dev_keys.headers("p-admin", "admin")
    listed: dict[str, list[dict[str, Any]]] = {}
    for path in ("/erasures", "/audit"):
        listed[path] = []
        cursor: str | None = None
        for _ in range(10):
            params = {"limit": "2"} | ({"cursor": cursor} if cursor else {})
            page = (await client.get(path, params=params, headers=headers)).json()
            assert page["limit"] == 2 and len(page["items"]) <= 2
            listed[path] += page["items"]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        # Each once, however many pages.
        assert len({item["id"] for item in listed[path]}) == len(listed[path]) == page["total"]
    # Newest first.
    assert [e["person_id"] for e in listed["/erasures"]] == ["p-2003", "p-2002", "p-2001"]
    audit_ids = [e["id"] for e in listed["/audit"]]
    assert audit_ids == sorted(audit_ids, reverse=True)
    assert list(dict.fromkeys(e["person_id"] for e in listed["/audit"])) == [
        "p-2003",
        "p-2002",
        "p-2001",
    ]


@pytest.mark.parametrize("query", ["limit=0", "limit=101", "offset=10", "cursor=nonsense"])
async def test_list_parameters_are_validated(
    privacy: RunningService, dev_keys: DevKeys, query: str
) -> None:
    for path in ("/erasures", "/audit"):
        response = await privacy.client.get(
            f"{path}?{query}", headers=dev_keys.headers("p-admin", "admin")
        )
        assert response.status_code == 422, (path, query)
        assert query.split("=")[0] in response.json()["detail"]


def _peer(name: str, holds: dict[str, Any]) -> FastAPI:
    """A stand-in service with a privacy report that echoes how it was asked."""
    app = FastAPI()

    @app.get("/privacy/persons/{person_id}")
    async def report(person_id: str, request: Request) -> dict[str, Any]:
        return {
            "service": name,
            "person_id": person_id,
            "authorization": request.headers.get("authorization"),
            **holds,
        }

    return app


async def test_the_access_report_gathers_every_service(
    nats_url: str, sqlite_url: str, dev_keys: DevKeys
) -> None:
    closed = f"http://127.0.0.1:{free_port()}"
    idp = TokenEndpoint(dev_keys, {"privacy": "privacy-client-secret"})
    settings = privacy_settings(
        **wiring(nats_url, sqlite_url, dev_keys),
        **idp.settings("privacy"),
        peer_urls={
            "reward": "http://reward.test",
            "notification": "http://notification.test/",
            "intake": "http://intake.test",  # no privacy report (yet)
            "review": closed,  # down
            "privacy": "http://itself.test",  # itself: not asked over HTTP
        },
        peer_timeout_seconds=2,
    )
    async with running_service(service, settings) as privacy:
        privacy.runtime.extras[PEER_TRANSPORTS] = {
            "http://reward.test": httpx.ASGITransport(_peer("reward", {"ledger": [5, 50]})),
            "http://notification.test": httpx.ASGITransport(
                _peer("notification", {"contact": {"email": "x@example.fi"}})
            ),
            "http://intake.test": httpx.ASGITransport(FastAPI()),
            idp.origin: idp.transport,
        }
        own = dev_keys.headers("p-1003", "employee")
        response = await privacy.client.get("/persons/p-1003/report", headers=own)
        assert response.status_code == 200, response.text
        report = response.json()
        sections = {s["service"]: s for s in report["services"]}
        assert [s["service"] for s in report["services"]] == [
            "privacy", "intake", "notification", "review", "reward",
        ]  # fmt: skip
        assert report["complete"] is False
        assert sections["reward"]["status"] == "ok"
        assert sections["reward"]["data"]["ledger"] == [5, 50]
        # The services were asked with the privacy service's own token, never the caller's.
        sent = sections["reward"]["data"]["authorization"]
        assert sent != own["Authorization"]
        asked_as = TokenVerifier(settings).verify(sent.removeprefix("Bearer "))
        assert (asked_as.person_id, asked_as.roles) == ("service:privacy", {"privacy-service"})
        assert sections["notification"]["data"]["authorization"] == sent
        assert sections["notification"]["data"]["contact"] == {"email": "x@example.fi"}
        assert sections["intake"]["status"] == "no_report"
        assert sections["review"]["status"] == "unavailable"
        assert "ConnectError" in sections["review"]["detail"]
        assert sections["privacy"]["data"] == {"retention": None, "erasures": [], "audit": []}

        # Viewing is audited: who, whose, when and how complete.
        admin = dev_keys.headers("p-admin", "admin")
        await privacy.client.get("/persons/p-1003/report", headers=admin)
        audit = (await privacy.client.get("/audit?person_id=p-1003", headers=admin)).json()
        assert (audit["total"], audit["next_cursor"]) == (2, None)
        entries = audit["items"]
        assert entries[0]["id"] > entries[1]["id"]
        assert [(e["actor_id"], e["action"]) for e in entries] == [
            ("p-admin", "report.viewed"),
            ("p-1003", "report.viewed"),
        ]
        assert entries[1]["details"]["services"]["intake"] == "no_report"
        # The person sees who viewed their data in their next report.
        again = (await privacy.client.get("/persons/p-1003/report", headers=own)).json()
        assert [a["actor_id"] for a in again["services"][0]["data"]["audit"]] == [
            "p-admin",
            "p-1003",
        ]
        # One service token for the three reports: cached, not fetched per report or per peer.
        assert idp.requests == 1


def _rotating_peer(refuse: int) -> tuple[FastAPI, list[str]]:
    """A stand-in service that refuses (401) the first ``refuse`` distinct tokens it sees, as
    after a key rotation or a revocation; the tokens it was sent, in order."""
    app = FastAPI()
    seen: list[str] = []

    @app.get("/privacy/persons/{person_id}")
    async def report(person_id: str, request: Request) -> Any:
        token = request.headers.get("authorization", "")
        seen.append(token)
        if len(dict.fromkeys(seen)) <= refuse:
            return JSONResponse({"detail": "Invalid token"}, status_code=401)
        return {"person_id": person_id}

    return app, seen


@pytest.mark.parametrize("refuse", [1, 99])
async def test_a_refused_service_token_is_renewed_once(
    nats_url: str, sqlite_url: str, dev_keys: DevKeys, refuse: int
) -> None:
    idp = TokenEndpoint(dev_keys, {"privacy": "privacy-client-secret"})
    settings = privacy_settings(
        **wiring(nats_url, sqlite_url, dev_keys),
        **idp.settings("privacy"),
        peer_urls={"reward": "http://reward.test"},
    )
    peer, seen = _rotating_peer(refuse)
    async with running_service(service, settings) as privacy:
        privacy.runtime.extras[PEER_TRANSPORTS] = {
            "http://reward.test": httpx.ASGITransport(peer),
            idp.origin: idp.transport,
        }
        report = (await privacy.client.get("/persons/p-1003/report", headers=hr(dev_keys))).json()
    [section] = [s for s in report["services"] if s["service"] == "reward"]
    # Asked twice, with two different tokens: the refused one was dropped, a new one fetched.
    assert len(seen) == 2 and seen[0] != seen[1]
    assert idp.requests == 2
    if refuse == 1:
        assert (section["status"], report["complete"]) == ("ok", True)
    else:  # refused again: reported, not retried for ever
        assert (section["status"], report["complete"]) == ("refused", False)


async def test_a_token_endpoint_that_refuses_the_secret_leaves_the_report_incomplete(
    nats_url: str, sqlite_url: str, dev_keys: DevKeys
) -> None:
    idp = TokenEndpoint(dev_keys, {"privacy": "the-real-secret"})
    settings = privacy_settings(
        **wiring(nats_url, sqlite_url, dev_keys),
        **{**idp.settings("privacy"), "auth_client_secret": "an-old-secret"},
        peer_urls={"reward": "http://reward.test", "review": "http://review.test"},
    )
    peer, asked = _rotating_peer(refuse=0)
    async with running_service(service, settings) as privacy:
        privacy.runtime.extras[PEER_TRANSPORTS] = {
            "http://reward.test": httpx.ASGITransport(peer),
            "http://review.test": httpx.ASGITransport(peer),
            idp.origin: idp.transport,
        }
        response = await privacy.client.get("/persons/p-1003/report", headers=hr(dev_keys))
    assert response.status_code == 200
    report = response.json()
    assert report["complete"] is False
    for name in ("reward", "review"):
        [section] = [s for s in report["services"] if s["service"] == name]
        assert section["status"] == "unavailable"
        assert "invalid_client" in section["detail"]
        assert "an-old-secret" not in section["detail"]
    assert asked == []  # nobody was asked without a token
    assert idp.requests == 1  # a refusal is not retried


async def test_without_credentials_of_its_own_the_report_says_so(
    nats_url: str, sqlite_url: str, dev_keys: DevKeys
) -> None:
    settings = privacy_settings(
        **wiring(nats_url, sqlite_url, dev_keys),
        peer_urls={"reward": "http://reward.test"},
    )
    async with running_service(service, settings) as privacy:
        privacy.runtime.extras[PEER_TRANSPORTS] = {
            "http://reward.test": httpx.ASGITransport(_peer("reward", {}))
        }
        report = (await privacy.client.get("/persons/p-1003/report", headers=hr(dev_keys))).json()
    assert report["complete"] is False
    [section] = [s for s in report["services"] if s["service"] == "reward"]
    assert section["status"] == "unavailable"
    assert "IDEAPAJA_PRIVACY_AUTH_TOKEN_URL" in section["detail"]


async def test_a_restart_keeps_the_erasure_and_emits_nothing_twice(
    nats_url: str, sqlite_url: str, dev_keys: DevKeys, js: Any
) -> None:
    settings = privacy_settings(**wiring(nats_url, sqlite_url, dev_keys))
    body = {"person_id": "p-1003", "reason": "pyyntö TS-1"}
    async with running_service(service, settings) as privacy:
        await hr_sent(privacy.runtime.db, "p-1003")
        first = await privacy.client.post("/erasures", headers=hr(dev_keys), json=body)
        assert first.status_code == 201
    async with running_service(service, settings) as privacy:
        again = await privacy.client.post("/erasures", headers=hr(dev_keys), json=body)
        assert again.status_code == 200
        assert again.json()["id"] == first.json()["id"]
        await eventually(lambda: _erasures_in_stream(js))
    assert len(await _erasures_in_stream(js)) == 1
