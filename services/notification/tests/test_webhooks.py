"""Webhooks end to end: a real NATS server, SQLite and PostgreSQL, the service's HTTP API, and a
real HTTP receiver that checks signatures with the Standard Webhooks library."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

from notification_testkit import publish
from sqlalchemy import delete, select
from webhook_testkit import Receiver, admin, receiving, webhook_settings

from ideapaja_contracts import encode
from ideapaja_contracts.events.idea import IdeaSupported, IdeaWithdrawn
from ideapaja_notification.app import service
from ideapaja_notification.db.webhook_models import WebhookDelivery
from ideapaja_runtime.clock import utc_now
from ideapaja_runtime.inbox import inbox_table
from ideapaja_runtime.testing import DevKeys, RunningService, eventually, running_service

SUPPORTED = IdeaSupported.event_type()
CONSUMER = "notification-webhooks"


def supported(idea_id: str = "i-1", supporter_id: str = "p-1") -> IdeaSupported:
    return IdeaSupported(idea_id=idea_id, supporter_id=supporter_id, support_count=1)


async def register(
    svc: RunningService, dev_keys: DevKeys, url: str, event_types: list[str] | None = None
) -> dict[str, Any]:
    response = await svc.client.post(
        "/webhooks",
        json={"url": url, "event_types": event_types or [SUPPORTED], "description": "Tests"},
        headers=admin(dev_keys),
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def log_of(svc: RunningService, dev_keys: DevKeys, endpoint_id: str) -> list[Any]:
    response = await svc.client.get(f"/webhooks/{endpoint_id}/deliveries", headers=admin(dev_keys))
    assert response.status_code == 200, response.text
    items: list[Any] = response.json()["items"]
    return items


def requests_at(receiver: Receiver, count: int) -> Any:
    async def check() -> bool:
        return len(receiver.requests) >= count

    return check


async def test_an_event_reaches_its_endpoint_signed_once_across_redelivery_replay_and_restart(
    database_url: str, nats_url: str, js: Any, dev_keys: DevKeys
) -> None:
    settings = webhook_settings(nats_url, database_url, dev_keys)
    async with receiving() as receiver:
        async with running_service(service, settings) as svc:
            endpoint = await register(svc, dev_keys, receiver.url())
            shown = await svc.client.get(f"/webhooks/{endpoint['id']}", headers=admin(dev_keys))
            message = encode(supported(), source="/test")
            await js.publish(message.subject, message.body, headers=message.headers)
            await eventually(requests_at(receiver, 1))

            async def sent() -> list[Any] | None:
                log = await log_of(svc, dev_keys, endpoint["id"])
                return log if log and log[0]["status"] == "sent" else None

            log = await eventually(sent)
            # Replay: the consumer forgets it handled the event, which arrives again (a new
            # message with the same CloudEvents id, as a stream replay delivers it).
            async with svc.runtime.db.transaction() as session:
                await session.execute(delete(inbox_table).where(inbox_table.c.consumer == CONSUMER))
            headers = message.headers | {"Nats-Msg-Id": "replay-1"}
            await js.publish(message.subject, message.body, headers=headers)
            await eventually(_handled_again(svc, message.envelope.id))
        # And once more after a restart.
        async with running_service(service, settings) as svc:
            headers = message.headers | {"Nats-Msg-Id": "replay-2"}
            await js.publish(message.subject, message.body, headers=headers)
            await asyncio.sleep(1.0)
            async with svc.runtime.db.transaction() as session:
                rows = (await session.scalars(select(WebhookDelivery))).all()

    assert endpoint["secret"].startswith("whsec_")
    assert "secret" not in shown.json()
    assert len(receiver.requests) == 1
    request = receiver.requests[0]
    assert request.verifies_with(endpoint["secret"])
    assert request.headers["webhook-id"] == log[0]["id"] == rows[0].id
    assert request.headers["content-type"] == "application/json"
    assert request.event["type"] == SUPPORTED
    assert request.event["id"] == message.envelope.id
    assert request.event["data"]["supporter_id"] == "p-1"
    assert (log[0]["attempts"], log[0]["last_status_code"]) == (1, 200)
    assert len(rows) == 1


def _handled_again(svc: RunningService, event_id: str) -> Any:
    async def check() -> bool:
        async with svc.runtime.db.transaction() as session:
            found = await session.scalar(
                select(inbox_table.c.event_id).where(
                    inbox_table.c.consumer == CONSUMER, inbox_table.c.event_id == event_id
                )
            )
        return found is not None

    return check


async def test_only_the_types_asked_for_are_sent_and_a_paused_endpoint_waits(
    sqlite_url: str, nats_url: str, js: Any, dev_keys: DevKeys
) -> None:
    settings = webhook_settings(nats_url, sqlite_url, dev_keys)
    async with receiving() as receiver, running_service(service, settings) as svc:
        endpoint = await register(svc, dev_keys, receiver.url())
        other = await register(
            svc, dev_keys, receiver.url(path="/other"), ["ideapaja.idea.withdrawn.v1"]
        )
        paused = await svc.client.patch(
            f"/webhooks/{endpoint['id']}", json={"enabled": False}, headers=admin(dev_keys)
        )
        await publish(js, supported("i-1"))
        await eventually(lambda: _queued(svc, 1))
        await asyncio.sleep(0.5)
        waited = len(receiver.requests)
        await svc.client.patch(
            f"/webhooks/{endpoint['id']}", json={"enabled": True}, headers=admin(dev_keys)
        )
        # Events while paused are not queued for it; what was queued goes out on resume.
        await eventually(requests_at(receiver, 1))
        other_log = await log_of(svc, dev_keys, other["id"])

    assert paused.json()["enabled"] is False
    assert waited == 0
    assert [r.path for r in receiver.requests] == ["/hooks"]
    assert other_log == []


async def test_an_event_no_endpoint_wants_costs_no_transaction_and_no_inbox_row(
    sqlite_url: str, nats_url: str, js: Any, dev_keys: DevKeys
) -> None:
    """Most events are wanted by no endpoint: the consumer acks them after one read of the
    endpoints' types, without a write transaction; what is wanted is queued and recorded."""
    settings = webhook_settings(nats_url, sqlite_url, dev_keys)
    async with receiving() as receiver, running_service(service, settings) as svc:
        await register(svc, dev_keys, receiver.url())
        unwanted = encode(IdeaWithdrawn(idea_id="i-0", withdrawn_by="p-1"), source="/test")
        await js.publish(unwanted.subject, unwanted.body, headers=unwanted.headers)
        wanted = encode(supported("i-1"), source="/test")
        await js.publish(wanted.subject, wanted.body, headers=wanted.headers)
        # In stream order: once the wanted one is recorded, the unwanted one was taken before.
        await eventually(_handled_again(svc, wanted.envelope.id))
        await eventually(requests_at(receiver, 1))
        async with svc.runtime.db.transaction() as session:
            recorded = set(
                await session.scalars(
                    select(inbox_table.c.event_id).where(inbox_table.c.consumer == CONSUMER)
                )
            )
    assert wanted.envelope.id in recorded
    assert unwanted.envelope.id not in recorded
    assert [r.event["type"] for r in receiver.requests] == [SUPPORTED]


async def _queued(svc: RunningService, count: int) -> bool:
    async with svc.runtime.db.transaction() as session:
        return len((await session.scalars(select(WebhookDelivery))).all()) >= count


async def test_after_a_rotation_both_secrets_verify_during_the_overlap_then_only_the_new(
    database_url: str, nats_url: str, js: Any, dev_keys: DevKeys
) -> None:
    settings = webhook_settings(nats_url, database_url, dev_keys, webhook_secret_overlap_seconds=60)
    async with receiving() as receiver, running_service(service, settings) as svc:
        endpoint = await register(svc, dev_keys, receiver.url())
        rotated = await svc.client.post(
            f"/webhooks/{endpoint['id']}/secret/rotation", headers=admin(dev_keys)
        )
        await publish(js, supported("i-1"))
        await eventually(requests_at(receiver, 1))
        # The overlap has passed (the service's clock; still within the receivers' tolerance).
        svc.runtime.clock = lambda: utc_now() + timedelta(seconds=61)
        await publish(js, supported("i-2"))
        await eventually(requests_at(receiver, 2))

    old, new = endpoint["secret"], rotated.json()["secret"]
    expires = datetime.fromisoformat(rotated.json()["previous_secret_expires_at"])
    during, after = receiver.requests
    assert rotated.status_code == 200
    assert new != old and new.startswith("whsec_")
    assert timedelta(seconds=55) < expires - utc_now() <= timedelta(seconds=60)
    assert len(during.headers["webhook-signature"].split(" ")) == 2
    assert (during.verifies_with(old), during.verifies_with(new)) == (True, True)
    assert len(after.headers["webhook-signature"].split(" ")) == 1
    assert (after.verifies_with(old), after.verifies_with(new)) == (False, True)


async def test_a_failing_endpoint_is_retried_with_back_off_then_an_admin_redelivers(
    database_url: str, nats_url: str, js: Any, dev_keys: DevKeys
) -> None:
    settings = webhook_settings(nats_url, database_url, dev_keys)
    async with receiving() as receiver, running_service(service, settings) as svc:
        receiver.answers = [503, 503]
        endpoint = await register(svc, dev_keys, receiver.url())
        path = f"/webhooks/{endpoint['id']}/deliveries"
        await publish(js, supported("i-1"))

        async def retrying() -> list[Any] | None:
            log = await log_of(svc, dev_keys, endpoint["id"])
            return log if log and log[0]["attempts"] == 1 else None

        during = (await eventually(retrying))[0]

        async def sent() -> list[Any] | None:
            log = await log_of(svc, dev_keys, endpoint["id"])
            return log if log and log[0]["status"] == "sent" else None

        after = (await eventually(sent))[0]
        early = await svc.client.post(f"{path}/{after['id']}/redelivery", headers=admin(dev_keys))
        redelivered = await svc.client.post(
            f"{path}/{after['id']}/redelivery", headers=admin(dev_keys)
        )
        again = await svc.client.post(f"{path}/{after['id']}/redelivery", headers=admin(dev_keys))
        await eventually(requests_at(receiver, 4))
        unknown = await svc.client.post(
            f"{path}/00000000-0000-5000-8000-000000000000/redelivery", headers=admin(dev_keys)
        )
        elsewhere = await svc.client.post(
            f"/webhooks/wh-does-not-exist/deliveries/{after['id']}/redelivery",
            headers=admin(dev_keys),
        )
        final = (await eventually(sent))[0]

    assert (during["status"], during["last_status_code"]) == ("pending", 503)
    assert during["last_error"] == "HTTP 503 busy"
    assert (after["attempts"], after["last_status_code"], after["last_error"]) == (3, 200, None)
    # Three attempts, then one request per redelivery the log counts: the second ask may come
    # before or after the first redelivery went out (202 either way) or while it waits (409).
    first, second, third, *redeliveries = receiver.requests
    assert len(redeliveries) == final["redeliveries"]
    # Back-off: 0.3 s, then 0.6 s (doubling).
    assert second.at - first.at >= 0.28
    assert third.at - second.at >= 0.58
    assert {r.headers["webhook-id"] for r in receiver.requests} == {after["id"]}
    assert {r.body for r in receiver.requests} == {first.body}
    assert early.status_code == 202 and early.json()["redeliveries"] == 1
    # Queued already: asking again is a conflict, not a second copy.
    assert {redelivered.status_code, again.status_code} <= {202, 409}
    assert (unknown.status_code, elsewhere.status_code) == (404, 404)
    assert final["redeliveries"] in (1, 2)
    assert all(r.verifies_with(endpoint["secret"]) for r in redeliveries)


async def test_an_endpoint_that_keeps_failing_is_given_up_and_can_be_sent_again(
    sqlite_url: str, nats_url: str, js: Any, dev_keys: DevKeys
) -> None:
    settings = webhook_settings(nats_url, sqlite_url, dev_keys, webhook_max_attempts=2)
    async with receiving() as receiver, running_service(service, settings) as svc:
        receiver.answers = [500, 500]
        endpoint = await register(svc, dev_keys, receiver.url())
        await publish(js, supported("i-1"))

        async def failed() -> list[Any] | None:
            log = await log_of(svc, dev_keys, endpoint["id"])
            return log if log and log[0]["status"] == "failed" else None

        given_up = (await eventually(failed))[0]
        path = f"/webhooks/{endpoint['id']}/deliveries"
        filtered = await svc.client.get(f"{path}?status=failed&limit=1", headers=admin(dev_keys))
        none_sent = await svc.client.get(f"{path}?status=sent", headers=admin(dev_keys))
        queued = await svc.client.post(
            f"{path}/{given_up['id']}/redelivery", headers=admin(dev_keys)
        )
        await eventually(requests_at(receiver, 3))

        async def sent() -> bool:
            log = await log_of(svc, dev_keys, endpoint["id"])
            return log[0]["status"] == "sent"

        await eventually(sent)

    assert (given_up["attempts"], given_up["failed_at"] is not None) == (2, True)
    assert [d["id"] for d in filtered.json()["items"]] == [given_up["id"]]
    assert none_sent.json()["items"] == []
    assert queued.status_code == 202
    assert (queued.json()["status"], queued.json()["attempts"]) == ("pending", 0)
