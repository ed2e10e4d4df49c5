"""HTTP API on a running service: who may see and retry which deliveries."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from notification_testkit import (
    EMPTY_PAGE,
    PROBLEM,
    MailServer,
    StartService,
    decided,
    deliveries,
    handle,
    service_settings,
    two_authors_and_their_idea,
)
from sqlalchemy import update

from ideapaja_contracts.events.review import Decision
from ideapaja_notification import handlers
from ideapaja_notification.app import service
from ideapaja_notification.db.models import Delivery
from ideapaja_runtime.testing import DevKeys, RunningService, eventually


@pytest.fixture
async def svc(start_service: StartService) -> AsyncIterator[RunningService]:
    """The service with one accepted idea by p-1 (fi) and p-2 (sv), the mail server down."""
    async with start_service(delivery_max_attempts=1) as running:
        await two_authors_and_their_idea(running.runtime.db)
        await handle(running.runtime.db, handlers.on_review_decided, decided("i-1"))
        yield running


async def _statuses(svc: RunningService) -> dict[str, str]:
    return {row.person_id: row.status for row in await deliveries(svc.runtime.db)}


async def _all_failed(svc: RunningService) -> bool:
    return set((await _statuses(svc)).values()) == {"failed"}


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/notifications/me"),
        ("GET", "/deliveries"),
        ("POST", "/deliveries/d-1/retry"),
    ],
)
async def test_every_endpoint_needs_a_token(svc: RunningService, method: str, path: str) -> None:
    response = await svc.client.request(method, path)
    assert response.status_code == 401
    assert response.headers["content-type"] == PROBLEM


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/deliveries"), ("GET", "/deliveries?status=failed"), ("POST", "/deliveries/d/retry")],
)
@pytest.mark.parametrize(
    "roles",
    [
        ("employee",),
        ("change_agent", "supervisor"),
        ("committee_member", "reward_approver", "hr", "management"),
    ],
)
async def test_only_admins_see_and_retry_deliveries(
    svc: RunningService, dev_keys: DevKeys, method: str, path: str, roles: tuple[str, ...]
) -> None:
    response = await svc.client.request(method, path, headers=dev_keys.headers("p-1", *roles))
    assert response.status_code == 403
    assert response.headers["content-type"] == PROBLEM


async def test_people_see_only_their_own_notifications(
    svc: RunningService, dev_keys: DevKeys
) -> None:
    mine = await svc.client.get("/notifications/me", headers=dev_keys.headers("p-2", "employee"))
    assert mine.status_code == 200
    page = mine.json()
    assert (page["total"], page["limit"], page["next_cursor"]) == (1, 50, None)
    [notification] = page["items"]
    assert notification["template"] == "idea_accepted"
    assert notification["channel"] == "email"
    assert notification["language"] == "sv"
    assert notification["subject"] == "Din idé har godkänts: Kirjaston iltapäivystys"
    assert notification["status"] in {"pending", "failed"}
    assert notification["created_at"].endswith(("Z", "+00:00"))
    # No address or body of anyone else, and nothing at all for someone without mail.
    assert "address" not in notification
    nobody = await svc.client.get("/notifications/me", headers=dev_keys.headers("p-9"))
    assert nobody.json() == EMPTY_PAGE


async def test_admin_lists_failed_deliveries_and_queues_one_again(
    svc: RunningService, dev_keys: DevKeys, mail_server: MailServer
) -> None:
    admin = dev_keys.headers("p-admin", "admin")
    # One attempt allowed and the mail server is down: both fail.
    await eventually(lambda: _all_failed(svc))

    failed = await svc.client.get("/deliveries", params={"status": "failed"}, headers=admin)
    assert failed.status_code == 200
    listed = failed.json()["items"]
    assert failed.json()["total"] == 2
    assert sorted(d["person_id"] for d in listed) == ["p-1", "p-2"]
    assert all(d["attempts"] == 1 and "SMTP unavailable" in d["last_error"] for d in listed)
    assert (await svc.client.get("/deliveries?status=sent", headers=admin)).json()["items"] == []
    # Several statuses: the filter repeated.
    either = await svc.client.get("/deliveries?status=sent&status=failed", headers=admin)
    assert sorted(d["person_id"] for d in either.json()["items"]) == ["p-1", "p-2"]
    metrics = (await svc.client.get("/metrics")).text
    assert 'ideapaja_notification_delivery_attempts_total{channel="email",outcome="failed"}' in (
        metrics
    )

    mail_server.start()
    target = next(d for d in listed if d["person_id"] == "p-2")
    retried = await svc.client.post(f"/deliveries/{target['id']}/retry", headers=admin)
    assert retried.status_code == 202
    assert (retried.json()["status"], retried.json()["attempts"]) == ("pending", 0)

    async def p2_sent() -> bool:
        return (await _statuses(svc))["p-2"] == "sent"

    await eventually(p2_sent)
    assert [m.envelope_to for m in mail_server.mails] == [["p-2@vaasa.example"]]
    assert (await _statuses(svc))["p-1"] == "failed"

    again = await svc.client.post(f"/deliveries/{target['id']}/retry", headers=admin)
    assert again.status_code == 409
    assert again.headers["content-type"] == PROBLEM
    assert again.json()["status_now"] == "sent"


async def test_retrying_an_unknown_or_malformed_id(svc: RunningService, dev_keys: DevKeys) -> None:
    admin = dev_keys.headers("p-admin", "admin")
    missing = await svc.client.post("/deliveries/no-such-delivery/retry", headers=admin)
    assert missing.status_code == 404
    assert missing.headers["content-type"] == PROBLEM
    malformed = await svc.client.post("/deliveries/bad$id/retry", headers=admin)
    assert malformed.status_code == 422
    too_long = await svc.client.post(f"/deliveries/{'d' * 65}/retry", headers=admin)
    assert too_long.status_code == 422


@pytest.mark.parametrize(
    "query", ["status=lost", "limit=0", "limit=101", "offset=0", "limit=abc", "cursor=nonsense"]
)
async def test_list_parameters_are_validated(
    svc: RunningService, dev_keys: DevKeys, query: str
) -> None:
    response = await svc.client.get(
        f"/deliveries?{query}", headers=dev_keys.headers("p-admin", "admin")
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM


async def test_pages_of_my_notifications(svc: RunningService, dev_keys: DevKeys) -> None:
    db = svc.runtime.db
    for decision in (Decision.DUPLICATE, Decision.REJECTED):
        await handle(db, handlers.on_review_decided, decided("i-1", decision))
    headers = dev_keys.headers("p-1")
    first = (await svc.client.get("/notifications/me?limit=2", headers=headers)).json()
    rest = (
        await svc.client.get(
            "/notifications/me",
            params={"limit": 2, "cursor": first["next_cursor"]},
            headers=headers,
        )
    ).json()
    assert len(first["items"]) == 2 and len(rest["items"]) == 1
    assert first["total"] == rest["total"] == 3
    assert rest["next_cursor"] is None
    assert {n["id"] for n in first["items"]}.isdisjoint({n["id"] for n in rest["items"]})
    times = [n["created_at"] for n in first["items"] + rest["items"]]
    assert times == sorted(times, reverse=True)


def test_openapi_documents_every_route_with_a_summary_and_bearer_auth() -> None:
    from ideapaja_runtime.service import create_app

    app = create_app(service, service_settings())
    spec: dict[str, Any] = app.openapi()
    routes = {
        ("get", "/notifications/me"),
        ("get", "/deliveries"),
        ("post", "/deliveries/{delivery_id}/retry"),
    }
    for method, path in routes:
        operation = spec["paths"][path][method]
        assert operation["summary"]
        assert operation["security"] == [{"HTTPBearer": []}]
        success = "202" if method == "post" else "200"
        assert "schema" in operation["responses"][success]["content"]["application/json"]


async def test_sent_deliveries_cannot_be_forced_to_pending_by_a_retry(
    svc: RunningService, dev_keys: DevKeys
) -> None:
    async with svc.runtime.db.transaction() as session:
        await session.execute(update(Delivery).values(status="sent"))
    [row, *_] = await deliveries(svc.runtime.db)
    response = await svc.client.post(
        f"/deliveries/{row.id}/retry", headers=dev_keys.headers("p-admin", "admin")
    )
    assert response.status_code == 409
    assert {r.status for r in await deliveries(svc.runtime.db)} == {"sent"}
