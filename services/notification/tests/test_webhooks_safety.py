"""Webhooks that must not hurt: no requests inside the network (SSRF) unless a setting allows
it, checked again on the resolved address at every request; an endpoint that hangs never holds
up an e-mail or the inbox; payloads that name a person go with their erasure and retention."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from notification_testkit import (
    MailServer,
    decided,
    handle,
    inbox_items,
    person,
    publish,
    submitted,
)
from sqlalchemy import select
from webhook_testkit import Receiver, admin, receiving, webhook_settings

from ideapaja_contracts.events.idea import IdeaSubmitted, IdeaSupported
from ideapaja_contracts.events.review import ReviewDecided
from ideapaja_notification import handlers
from ideapaja_notification.app import service
from ideapaja_notification.db.webhook_models import WebhookDelivery, WebhookEndpoint
from ideapaja_notification.domain.webhooks import new_secret
from ideapaja_notification.usecases.webhook_deliveries import (
    ERASED_PAYLOAD,
    on_event,
    purge_payloads_before,
)
from ideapaja_runtime.clock import utc_now
from ideapaja_runtime.db import Database
from ideapaja_runtime.testing import DevKeys, eventually, running_service
from ideapaja_runtime.testing_builders import erasure_requested

SUPPORTED = IdeaSupported.event_type()
REFUSED_URLS = [
    "http://127.0.0.1:8080/hooks",
    "http://10.20.30.40/hooks",
    "http://192.168.1.10/hooks",
    "http://169.254.169.254/latest/meta-data/",
    "http://[::1]:8080/hooks",
    "http://[::ffff:127.0.0.1]/hooks",
    "http://[fe80::1]/hooks",
    "http://224.0.0.1/hooks",
    "http://0.0.0.0/hooks",
    # A name that resolves to loopback.
    "http://localhost:8080/hooks",
]


async def test_registering_an_address_inside_the_network_is_refused_unless_allowed(
    sqlite_url: str, nats_url: str, dev_keys: DevKeys
) -> None:
    settings = webhook_settings(
        nats_url,
        sqlite_url,
        dev_keys,
        webhook_allowed_hosts=["*"],
        webhook_allowed_networks=[],
    )
    async with running_service(service, settings) as svc:
        answers = {
            url: await svc.client.post(
                "/webhooks", json={"url": url, "event_types": [SUPPORTED]}, headers=admin(dev_keys)
            )
            for url in REFUSED_URLS
        }
        listed = await svc.client.get("/webhooks", headers=admin(dev_keys))

    for url, answer in answers.items():
        assert answer.status_code == 422, url
        assert answer.headers["content-type"] == "application/problem+json"
        assert [e["field"] for e in answer.json()["errors"]] == ["url"], url
    assert "loopback" in answers["http://localhost:8080/hooks"].json()["errors"][0]["message"]
    assert "link-local" in answers["http://169.254.169.254/latest/meta-data/"].text
    assert listed.json()["items"] == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "https://elsewhere.example/hooks"}, "url"),  # not on the allow-list
        ({"url": "http://hooks.vaasa.example/x"}, "url"),  # plain http not allowed
        ({"url": "https://user:pw@hooks.vaasa.example/x"}, "url"),  # credentials
        ({"url": "ftp://hooks.vaasa.example/x"}, "url"),
        ({"event_types": ["ideapaja.idea.exploded.v1"]}, "event_types"),
        # HR's records carry contact data and are not offered to webhooks.
        ({"event_types": ["ideapaja.hr.person.upserted.v1"]}, "event_types"),
        ({"event_types": []}, "event_types"),
    ],
)
async def test_bad_registrations_are_422_naming_the_field(
    sqlite_url: str, nats_url: str, dev_keys: DevKeys, body: dict[str, Any], field: str
) -> None:
    settings = webhook_settings(
        nats_url,
        sqlite_url,
        dev_keys,
        webhook_allowed_hosts=["*.vaasa.example"],
        webhook_allow_http=False,
    )
    request = {"url": "https://hooks.vaasa.example/x", "event_types": [SUPPORTED]} | body
    async with running_service(service, settings) as svc:
        answer = await svc.client.post("/webhooks", json=request, headers=admin(dev_keys))
        employee = await svc.client.post(
            "/webhooks", json=request, headers=dev_keys.headers("p-1", "employee")
        )

    assert answer.status_code == 422, answer.text
    assert field in {e["field"].split(".")[-1] for e in answer.json()["errors"]} | {
        e["field"].split(".")[0] for e in answer.json()["errors"]
    }
    assert employee.status_code == 403


async def test_a_name_that_now_resolves_inside_is_refused_at_send_time(
    sqlite_url: str, nats_url: str, js: Any, dev_keys: DevKeys
) -> None:
    """Registered while loopback was allowed; the address the request would connect to is
    checked again when it is sent (as after a DNS change), and the request is not made."""
    async with receiving() as receiver:
        allowed = webhook_settings(nats_url, sqlite_url, dev_keys)
        async with running_service(service, allowed) as svc:
            created = await svc.client.post(
                "/webhooks",
                json={"url": receiver.url(host="localhost"), "event_types": [SUPPORTED]},
                headers=admin(dev_keys),
            )
        refused = webhook_settings(nats_url, sqlite_url, dev_keys, webhook_allowed_networks=[])
        async with running_service(service, refused) as svc:
            await publish(js, IdeaSupported(idea_id="i-1", supporter_id="p-1", support_count=1))
            endpoint_id = created.json()["id"]

            async def failed() -> Any:
                log = (
                    await svc.client.get(
                        f"/webhooks/{endpoint_id}/deliveries", headers=admin(dev_keys)
                    )
                ).json()["items"]
                return log[0] if log and log[0]["status"] == "failed" else None

            delivery = await eventually(failed)

    assert created.status_code == 201
    assert receiver.requests == []
    # Permanent: trying again would be refused again.
    assert delivery["attempts"] == 1
    assert delivery["last_error"].startswith("refused: localhost resolves to ")
    assert "loopback" in delivery["last_error"]


async def test_mail_and_the_inbox_go_out_while_a_webhook_endpoint_hangs(
    database_url: str, nats_url: str, js: Any, dev_keys: DevKeys, mail_server: MailServer
) -> None:
    mail_server.start()
    settings = webhook_settings(
        nats_url,
        database_url,
        dev_keys,
        smtp_port=mail_server.port,
        webhook_timeout_seconds=30.0,
        max_deliver=10,
    )
    async with receiving() as receiver, running_service(service, settings) as svc:
        receiver.hanging = True
        created = await svc.client.post(
            "/webhooks",
            json={
                "url": receiver.url(),
                "event_types": [IdeaSubmitted.event_type(), ReviewDecided.event_type()],
            },
            headers=admin(dev_keys),
        )
        await publish(js, person("p-2001", email="asa.oberg@vaasa.example"))
        await publish(js, submitted("i-1", authors=["p-2001"]))
        # The endpoint has the first event and does not answer ...
        await eventually(lambda: _requests(receiver, 1))
        await publish(js, decided("i-1"))

        async def mailed() -> bool:
            return len(mail_server.to("asa.oberg@vaasa.example")) == 1

        # ... while the decision's e-mail and inbox item go out.
        await eventually(mailed)
        hanging = len(receiver.requests)
        items = await inbox_items(svc.runtime.db, "p-2001")
        async with svc.runtime.db.transaction() as session:
            waiting = (await session.scalars(select(WebhookDelivery))).all()
        receiver.release()

        async def sent() -> bool:
            async with svc.runtime.db.transaction() as session:
                rows = (await session.scalars(select(WebhookDelivery))).all()
            return [row.status for row in rows] == ["sent", "sent"]

        await eventually(sent)

    assert created.status_code == 201
    assert hanging == 1  # still the first request, unanswered
    assert sorted((r.event_type, r.status, r.attempts) for r in waiting) == [
        (IdeaSubmitted.event_type(), "pending", 0),
        (ReviewDecided.event_type(), "pending", 0),
    ]
    assert len(receiver.requests) == 2
    # The decision's (the idea's receipt has a consumer of its own, and waits for the digest).
    assert [i.kind for i in items if i.kind != "idea_received"] == ["idea_accepted"]


async def test_an_endpoint_that_hangs_holds_up_no_other_endpoint(
    sqlite_url: str, nats_url: str, js: Any, dev_keys: DevKeys
) -> None:
    settings = webhook_settings(nats_url, sqlite_url, dev_keys, webhook_timeout_seconds=30.0)
    async with (
        receiving() as stuck,
        receiving() as healthy,
        running_service(service, settings) as svc,
    ):
        stuck.hanging = True
        for receiver in (stuck, healthy):
            created = await svc.client.post(
                "/webhooks",
                json={"url": receiver.url(), "event_types": [SUPPORTED]},
                headers=admin(dev_keys),
            )
            assert created.status_code == 201
        for n in range(3):
            await publish(js, IdeaSupported(idea_id=f"i-{n}", supporter_id="p-1", support_count=1))
        await eventually(lambda: _requests(healthy, 3))
        held = len(stuck.requests)
        stuck.release()
        await eventually(lambda: _requests(stuck, 3))

    assert held == 1
    assert len({r.headers["webhook-id"] for r in stuck.requests}) == 3


async def _requests(receiver: Receiver, count: int) -> bool:
    return len(receiver.requests) >= count


async def _endpoint(db: Database, event_types: list[str]) -> str:
    async with db.transaction() as session:
        now = utc_now()
        endpoint = WebhookEndpoint(
            id="wh-1",
            url="https://hooks.vaasa.example/x",
            description="",
            event_types=event_types,
            enabled=True,
            secret=new_secret(),
            created_by="p-admin",
            created_at=now,
            updated_at=now,
        )
        session.add(endpoint)
    return endpoint.id


async def test_erasure_blanks_the_payloads_that_name_the_person_and_cancels_pending_ones(
    notification_db: Database,
) -> None:
    db = notification_db
    await _endpoint(db, [SUPPORTED, "ideapaja.privacy.erasure_requested.v1"])
    erased = IdeaSupported(idea_id="i-1", supporter_id="p-1", support_count=1)
    # A person id is matched whole: p-10 is not p-1.
    other = IdeaSupported(idea_id="i-2", supporter_id="p-10", support_count=1)
    sent_one = IdeaSupported(idea_id="i-3", supporter_id="p-1", support_count=2)
    for event in (erased, other, sent_one):
        await handle(db, on_event, event)
    async with db.transaction() as session:
        row = (
            await session.scalars(
                select(WebhookDelivery).where(WebhookDelivery.payload.contains('"i-3"'))
            )
        ).one()
        row.status = "sent"
    erasure = erasure_requested("p-1")
    await handle(db, on_event, erasure)
    await handle(db, handlers.on_erasure_requested, erasure)

    async with db.transaction() as session:
        rows_all = (await session.scalars(select(WebhookDelivery))).all()
    blanked = [r for r in rows_all if r.payload == ""]
    kept = [r for r in rows_all if r.payload != ""]
    assert len(blanked) == 2
    assert {r.status for r in blanked} == {"failed", "sent"}
    assert all(r.payload_purged_at is not None for r in blanked)
    assert [r.last_error for r in blanked if r.status == "failed"] == [ERASED_PAYLOAD]
    # The erasure event itself still tells the integration to erase the person.
    assert sorted(r.event_type for r in kept) == sorted(
        [SUPPORTED, "ideapaja.privacy.erasure_requested.v1"]
    )
    assert any('"p-10"' in r.payload for r in kept)


async def test_retention_blanks_concluded_payloads_and_keeps_the_rows(
    notification_db: Database,
) -> None:
    db = notification_db
    await _endpoint(db, [SUPPORTED])
    for n in range(3):
        event = IdeaSupported(idea_id=f"i-{n}", supporter_id="p-1", support_count=1)
        await handle(db, on_event, event)
    async with db.transaction() as session:
        rows = (await session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id))).all()
        rows[0].status, rows[1].status = "sent", "failed"
        ids = [row.id for row in rows]
    later = utc_now() + timedelta(days=31)
    async with db.transaction() as session:
        purged = await purge_payloads_before(session, later - timedelta(days=30), later)
        again = await purge_payloads_before(session, later - timedelta(days=30), later)
    async with db.transaction() as session:
        after = {row.id: row for row in (await session.scalars(select(WebhookDelivery))).all()}

    assert (purged, again) == (2, 0)
    assert [after[i].payload == "" for i in ids] == [True, True, False]  # pending: still to send
    assert len(after) == 3


async def test_replaying_an_event_queues_nothing_new(notification_db: Database) -> None:
    db = notification_db
    await _endpoint(db, [SUPPORTED])
    event = IdeaSupported(idea_id="i-1", supporter_id="p-1", support_count=1)
    envelope = await handle(db, on_event, event)
    await handle(db, on_event, event, envelope)
    await asyncio.sleep(0)
    async with db.transaction() as session:
        assert len((await session.scalars(select(WebhookDelivery))).all()) == 1
