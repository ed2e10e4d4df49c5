"""A sender that is known to be dead lets go at once; one that lives keeps what it holds.

A "killed" sender is one whose tasks stop without a graceful stop: its claims and its begun
attempt stay in the database, its heartbeat stops. The senders are built as the service builds
them (``build_sender``) from settings, on SQLite and PostgreSQL, with real SMTP servers.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from notification_testkit import MailServer, SlowSmtpServer, deliveries, service_settings
from prometheus_client import REGISTRY
from sqlalchemy import select
from structlog.testing import capture_logs

from ideapaja_notification.channels.email import message_id
from ideapaja_notification.db.models import Delivery
from ideapaja_notification.db.webhook_models import WebhookDelivery, WebhookEndpoint
from ideapaja_notification.sender import DeliverySender, build_sender
from ideapaja_notification.webhook_sender import WebhookSender, build_webhook_sender
from ideapaja_runtime.clock import utc_now
from ideapaja_runtime.db import Database
from ideapaja_runtime.outbox import Outbox
from ideapaja_runtime.testing import eventually

# Beats every 0.2 s, dead after 1 s without one (an event loop stalled that long on a loaded
# machine would look dead); a begun e-mail is held over 10 minutes.
HOLDERS = {"sender_heartbeat_seconds": 0.2, "sender_holder_timeout_seconds": 1.0}
MAIL_FROM = service_settings().mail_from


def sender(db: Database, smtp_port: int, **settings: Any) -> DeliverySender:
    """The e-mail sender the service would build with these settings."""
    values = {
        "smtp_port": smtp_port,
        "smtp_data_timeout_seconds": 600.0,
        # Room on a loaded machine: a command timeout or a lapsed batch lease would free the
        # rows for reasons other than the one under test.
        "smtp_timeout_seconds": 30.0,
        "sender_lease_seconds": 60.0,
        **HOLDERS,
        **settings,
    }
    runtime: Any = SimpleNamespace(
        settings=service_settings(**values),
        db=db,
        outbox=Outbox("/ideapaja/notification"),
        clock=utc_now,
    )
    return build_sender(runtime)


async def killed(started: set[asyncio.Task[Any]]) -> None:
    """SIGKILL, as far as the database can tell: the tasks begun since ``started`` (the sender's
    loop, heartbeat and attempt) end, and nothing is handed back."""
    tasks = {
        task
        for task in asyncio.all_tasks() - started
        if "send" in task.get_name() or "heartbeat" in task.get_name()
    }
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


async def queue(db: Database, count: int) -> list[str]:
    now = utc_now()
    ids = [f"d-{n}" for n in range(count)]
    async with db.transaction() as session:
        for n, delivery_id in enumerate(ids):
            session.add(
                Delivery(
                    id=delivery_id,
                    cause_event_id=f"e-{n}",
                    cause_event_type="ideapaja.review.decided.v1",
                    person_id=f"p-{n}",
                    channel="email",
                    template="idea_accepted",
                    language="fi",
                    address=f"p-{n}@vaasa.example",
                    subject="Idea hyväksytty",
                    body="Kiitos",
                    status="pending",
                    attempts=0,
                    next_attempt_at=now - timedelta(seconds=1),
                    created_at=now + timedelta(milliseconds=n),
                )
            )
    return ids


async def attempt_begun(db: Database, delivery_id: str) -> bool:
    return any(d.id == delivery_id and d.attempt_started_at for d in await deliveries(db))


@pytest.fixture
async def smtp_mid_data() -> AsyncIterator[SlowSmtpServer]:
    """A server that takes the data and answers a minute later: the sender is mid-send."""
    async with SlowSmtpServer(data_delay=60) as server:
        yield server


async def test_a_killed_senders_begun_mail_is_sent_within_seconds_with_the_same_message_id(
    notification_db: Database, smtp_mid_data: SlowSmtpServer, mail_server: MailServer
) -> None:
    db = notification_db
    first, second = await queue(db, 2)
    before = set(asyncio.all_tasks())
    # One conversation: the second mail waits untouched behind the first (with lanes side by
    # side both would have begun).
    dead = sender(db, smtp_mid_data.port, smtp_conversations=1)
    assert dead.attempt_lease.total_seconds() >= 600  # the old wait after a kill
    dead.start()
    await eventually(lambda: attempt_begun(db, first))
    await killed(before)
    resent = REGISTRY.get_sample_value(
        "ideapaja_notification_resent_after_interrupted_attempt_total", {"channel": "email"}
    )

    mail_server.start()
    # Seconds (the holder timeout and a poll), not the 10 minutes its attempt lease had left.
    assert await _seconds_to(sender(db, mail_server.port), lambda: _all_sent(db)) < 10
    sent = {mail.envelope_to[0]: mail.message for mail in mail_server.mails}
    assert len(sent) == 2
    # The begun one again, with the Message-ID the killed sender had given it: a duplicate is
    # recognisable. It is counted as a possible second copy; the untouched one is not.
    assert sent["p-0@vaasa.example"]["Message-ID"] == message_id(first, MAIL_FROM)
    assert sent["p-1@vaasa.example"]["Message-ID"] == message_id(second, MAIL_FROM)
    assert (
        REGISTRY.get_sample_value(
            "ideapaja_notification_resent_after_interrupted_attempt_total", {"channel": "email"}
        )
        == (resent or 0) + 1
    )


async def _seconds_to(
    survivor: DeliverySender | WebhookSender, done: Callable[[], Awaitable[bool]]
) -> float:
    """How long the sender started in a killed one's place takes until ``done``."""
    restarted = time.monotonic()
    survivor.start()
    try:
        await eventually(done, timeout=20)
    finally:
        await survivor.stop()
    return time.monotonic() - restarted


async def _all_sent(db: Database) -> bool:
    return {d.status for d in await deliveries(db)} == {"sent"}


async def test_a_live_but_slow_senders_claims_are_not_taken(
    notification_db: Database, mail_server: MailServer
) -> None:
    db = notification_db
    first, _ = await queue(db, 2)
    mail_server.start()
    async with SlowSmtpServer(data_delay=4.0) as slow_server:
        slow = sender(db, slow_server.port)
        slow.start()
        try:
            await eventually(lambda: attempt_begun(db, first))
            other = sender(db, mail_server.port)
            # Several holder timeouts pass while it is inside the first mail's DATA.
            for _ in range(10):
                assert await other.send_due() == 0
                await asyncio.sleep(0.3)
            await eventually(lambda: _all_sent(db), timeout=20)
        finally:
            await slow.stop()
    assert slow_server.accepted == 2
    assert mail_server.mails == []


async def test_a_sender_never_takes_its_own_rows_in_hand_whatever_its_clock_does(
    notification_db: Database, smtp_mid_data: SlowSmtpServer
) -> None:
    """Tests (and an NTP step) move the service's clock: the sender's own last beat can then
    look older than the holder timeout, but its own attempt must not be claimed again."""
    db = notification_db
    _, second = await queue(db, 2)
    one = sender(db, smtp_mid_data.port)
    claimed = await one.claim_due()
    assert await one.begin_attempt(claimed[0])
    one.clock = lambda: utc_now() + timedelta(seconds=61)  # the batch lease (60 s) ran out
    assert [d.id for d in await one.claim_due()] == [second]


async def test_the_restart_log_says_whose_claims_wait_and_why(
    notification_db: Database, smtp_mid_data: SlowSmtpServer
) -> None:
    db = notification_db
    first, _ = await queue(db, 2)
    before = set(asyncio.all_tasks())
    dead = sender(db, smtp_mid_data.port)
    dead.start()
    await eventually(lambda: attempt_begun(db, first))
    live = sender(db, smtp_mid_data.port, sender_holder_timeout_seconds=60)

    with capture_logs() as logs:
        await live.log_held_claims()
    (held,) = [log for log in logs if log["event"] == "deliveries_held_by_an_earlier_claim"]
    assert (held["holder"], held["alive"], held["deliveries"]) == (dead.holder.id, True, 2)
    assert held["host"] == dead.heartbeat.host and "live replica" in held["why"]

    await killed(before)
    await asyncio.sleep(1.3)
    with capture_logs() as logs:
        await sender(db, smtp_mid_data.port).log_held_claims()
    (held,) = [log for log in logs if log["event"] == "deliveries_held_by_an_earlier_claim"]
    assert (held["holder"], held["alive"]) == (dead.holder.id, False)
    assert "taken over now" in held["why"] and held["last_seen"] is not None


async def test_a_graceful_stop_frees_what_it_still_held_at_once(
    notification_db: Database, smtp_mid_data: SlowSmtpServer, mail_server: MailServer
) -> None:
    """An attempt cut off by the stop timeout (its mail may have gone out) is free at once too,
    since the holder says it is gone, rather than when its attempt lease runs out."""
    db = notification_db
    first, _ = await queue(db, 2)
    stopping = sender(db, smtp_mid_data.port, shutdown_timeout_seconds=0.2)
    stopping.start()
    await eventually(lambda: attempt_begun(db, first))
    await stopping.stop()

    mail_server.start()
    survivor = sender(db, mail_server.port, sender_holder_timeout_seconds=300)
    assert await survivor.send_due() == 2
    assert len(mail_server.mails) == 2


# --- Webhooks share the worker --------------------------------------------------------------------


class HangingPoster:
    """Takes the request and never answers (until cancelled)."""

    def __init__(self) -> None:
        self.posted: list[str] = []

    async def post(self, url: str, message_id: str, *_: object) -> int:
        self.posted.append(message_id)
        await asyncio.Event().wait()
        return 200

    async def aclose(self) -> None:
        pass


class AcceptingPoster(HangingPoster):
    async def post(self, url: str, message_id: str, *_: object) -> int:
        self.posted.append(message_id)
        return 204


def webhook_sender(db: Database, poster: HangingPoster) -> WebhookSender:
    runtime: Any = SimpleNamespace(
        settings=service_settings(webhook_poll_seconds=0.1, **HOLDERS),
        db=db,
        clock=utc_now,
    )
    built = build_webhook_sender(runtime)
    built.poster = poster  # type: ignore[assignment]
    return built


async def test_a_killed_webhook_senders_request_is_sent_again_at_once_with_its_webhook_id(
    notification_db: Database,
) -> None:
    db = notification_db
    now = utc_now()
    async with db.transaction() as session:
        session.add(
            WebhookEndpoint(
                id="wh-1",
                url="https://hooks.vaasa.example/x",
                description="",
                event_types=["t"],
                enabled=True,
                secret="whsec_" + "A" * 32,
                created_by="p-admin",
                created_at=now,
                updated_at=now,
            )
        )
        await session.flush()
        session.add(
            WebhookDelivery(
                id="msg_1",
                endpoint_id="wh-1",
                event_id="e-1",
                event_type="t",
                payload="{}",
                status="pending",
                attempts=0,
                next_attempt_at=now,
                created_at=now,
            )
        )
    before = set(asyncio.all_tasks())
    hanging = HangingPoster()
    dead = webhook_sender(db, hanging)
    dead.start()

    async def posted() -> bool:
        return len(hanging.posted) == 1

    await eventually(posted)
    await killed(before)

    accepting = AcceptingPoster()
    # Its attempt lease was 70 s.
    assert await _seconds_to(webhook_sender(db, accepting), lambda: _webhook_sent(db)) < 10
    assert accepting.posted == hanging.posted == ["msg_1"]


async def _webhook_sent(db: Database) -> bool:
    async with db.transaction() as session:
        return (await session.scalar(select(WebhookDelivery.status))) == "sent"


def test_the_holder_timeout_is_at_least_two_heartbeats() -> None:
    with pytest.raises(ValueError, match="two heartbeats"):
        service_settings(sender_heartbeat_seconds=5, sender_holder_timeout_seconds=6)
    settings = service_settings()
    assert (settings.sender_heartbeat_seconds, settings.sender_holder_timeout_seconds) == (5, 15)
