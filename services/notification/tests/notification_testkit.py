"""Builders, probes and settings shared by the notification service's tests (the SMTP servers are
smtp_testkit's, re-exported here)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, TypeVar

from smtp_testkit import MailServer, ReceivedMail, SlowSmtpServer  # noqa: F401 - re-exported
from sqlalchemy import func, select

from ideapaja_contracts import Envelope, Event, encode
from ideapaja_contracts.events.hr import HrRole, PersonLeft, PersonUpserted
from ideapaja_contracts.events.idea import IdeaRetentionExpired, IdeaSubmitted, IdeaUpdated, Scope
from ideapaja_contracts.events.review import Decision, ReviewDecided
from ideapaja_contracts.events.reward import RewardGranted, RewardKind
from ideapaja_notification import handlers
from ideapaja_notification.db.models import Contact, Delivery, DigestItem, Idea, InboxItem
from ideapaja_notification.domain.kinds import TemplateId
from ideapaja_notification.domain.notices import Recipient
from ideapaja_notification.domain.preferences import Frequency
from ideapaja_notification.settings import NotificationSettings
from ideapaja_notification.usecases.preferences import update_preferences
from ideapaja_runtime.db import Database
from ideapaja_runtime.messaging import HandlerContext
from ideapaja_runtime.outbox import Outbox, outbox_table
from ideapaja_runtime.testing import (
    DevKeys,
    RunningService,
    fast_test_settings,
    handler_context,
    publish_event,
    stream_messages,
    uow_in,
)
from ideapaja_runtime.testing_builders import idea_submitted, review_decided

SOURCE = "/ideapaja/notification"
Handler = Callable[[Any, HandlerContext], Awaitable[None]]


# --- Recipients, for the domain's and the messages' tests ---------------------------------------

AINO = Recipient("p-1", "Aino Mäki", "aino@vaasa.example", "fi")
BRITA = Recipient("p-2", "Brita Ström", "brita@vaasa.example", "sv")
CHRIS = Recipient("p-3", "Chris Doe", "chris@vaasa.example", "en")
# Between a number and its unit (50 pistettä, 75 €), as the messages write it.
NBSP = "\u00a0"


# --- Events -------------------------------------------------------------------------------------


def new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def person(
    person_id: str,
    *,
    name: str = "Åsa Öberg",
    language: str = "fi",
    email: str | None = None,
    unit_id: str = "u-kirjasto",
    roles: Sequence[str] = ("employee",),
) -> PersonUpserted:
    return PersonUpserted(
        person_id=person_id,
        unit_id=unit_id,
        display_name=name,
        email=email or f"{person_id}@vaasa.example",
        language=language,
        roles=[HrRole(role) for role in roles],
    )


def left(person_id: str) -> PersonLeft:
    return PersonLeft(person_id=person_id, left_on="2025-05-31")


# Review's case c-1 of the idea i-1 from the unit u-kirjasto: what each case event is about.
CASE: dict[str, Any] = {
    "case_id": "c-1",
    "idea_id": "i-1",
    "scope": Scope.UNIT,
    "unit_id": "u-kirjasto",
}


def submitted(
    idea_id: str,
    *,
    authors: Sequence[str],
    title: str = "Kirjaston iltapäivystys",
    anonymous: bool = False,
) -> IdeaSubmitted:
    return idea_submitted(idea_id, author_ids=list(authors), title=title, anonymous=anonymous)


def revised(
    idea_id: str, revision: int, title: str, authors: Sequence[str] | None = None
) -> IdeaUpdated:
    """Revision ``revision`` of the idea, by p-1 (``authors``: the confirmed ones now, ``None``:
    not said)."""
    return IdeaUpdated(
        idea_id=idea_id,
        revision=revision,
        title=title,
        problem="p",
        solution="s",
        edited_by="p-1",
        author_ids=None if authors is None else list(authors),
    )


def retention_expired(
    idea_id: str,
    status: str = "rejected",
    closed_at: datetime = datetime(2020, 1, 1, tzinfo=UTC),
    retention_days: int = 365,
) -> IdeaRetentionExpired:
    """The idea, closed long ago, is past its retention: its people are forgotten."""
    return IdeaRetentionExpired(
        idea_id=idea_id, status=status, closed_at=closed_at, retention_days=retention_days
    )


def decided(
    idea_id: str,
    decision: Decision = Decision.ACCEPTED,
    rationale: str = "Hyvä idea, joka säästää työaikaa ja parantaa palvelua.",
) -> ReviewDecided:
    return review_decided(idea_id, decision, rationale=rationale, decided_by="p-9001")


def granted(
    idea_id: str,
    person_id: str,
    *,
    kind: RewardKind = RewardKind.POINTS,
    points: int = 50,
    amount: Decimal = Decimal("0"),
) -> RewardGranted:
    return RewardGranted(
        idea_id=idea_id,
        grant_id=new_id("g"),
        person_id=person_id,
        kind=kind,
        points=points,
        amount=amount,
        currency="EUR" if kind is RewardKind.MONEY else None,
        reason="Toteutettu idea",
    )


def envelope_of(event: Event, event_id: str | None = None) -> Envelope:
    return encode(event, source="/test", event_id=event_id).envelope


# --- Database and direct handler calls ----------------------------------------------------------


async def handle(
    db: Database, handler: Handler, event: Event, envelope: Envelope | None = None
) -> Envelope:
    """Run ``handler`` as the consumer would, in one transaction (without the inbox)."""
    envelope = envelope or envelope_of(event)
    async with handler_context(db, envelope, outbox=Outbox(SOURCE)) as ctx:
        await handler(event, ctx)
    return envelope


async def handle_twice(db: Database, handler: Handler, event: Event) -> Envelope:
    """Run ``handler`` for ``event``, then again for the same envelope, as a redelivery or a
    replay does (which must add nothing); the envelope."""
    envelope = await handle(db, handler, event)
    await handle(db, handler, event, envelope)
    return envelope


async def two_authors_and_their_idea(db: Database) -> None:
    """p-1 (fi) and p-2 (sv) known from HR, and the idea i-1 they wrote together."""
    await handle(db, handlers.on_person_upserted, person("p-1", language="fi"))
    await handle(db, handlers.on_person_upserted, person("p-2", language="sv"))
    await handle(db, handlers.on_idea_submitted, submitted("i-1", authors=["p-1", "p-2"]))


def projected(db: Database, people: int, idea_id: str) -> Callable[[], Awaitable[bool]]:
    """For ``eventually``: HR's ``people`` and the idea have reached their projections (a
    notice that reads who holds a role needs them there first)."""

    async def check() -> bool:
        async with db.transaction() as session:
            contacts = await session.scalar(select(func.count()).select_from(Contact))
            return contacts == people and await session.get(Idea, idea_id) is not None

    return check


Message = TypeVar("Message", Delivery, InboxItem, DigestItem)


async def _oldest_first(db: Database, model: type[Message], person_id: str | None) -> list[Message]:
    """The rows of ``model`` (``person_id``'s only, if given), oldest first."""
    async with db.transaction() as session:
        query = select(model).order_by(model.created_at, model.id)
        if person_id is not None:
            query = query.where(model.person_id == person_id)
        return list((await session.scalars(query)).all())


async def deliveries(db: Database) -> list[Delivery]:
    return await _oldest_first(db, Delivery, None)


async def inbox_items(db: Database, person_id: str | None = None) -> list[InboxItem]:
    return await _oldest_first(db, InboxItem, person_id)


async def digest_items(db: Database, person_id: str | None = None) -> list[DigestItem]:
    return await _oldest_first(db, DigestItem, person_id)


async def choose(db: Database, person_id: str, choices: dict[str, Frequency | None]) -> None:
    """``person_id`` sets some kinds' preferences, as through ``PUT /preferences/me``."""
    async with db.transaction() as session:
        await update_preferences(uow_in(session, service_settings()), person_id, choices)


async def wants_everything_at_once(db: Database, person_id: str) -> None:
    await choose(db, person_id, {kind.value: Frequency.IMMEDIATELY for kind in TemplateId})


async def outbox_events(db: Database, event_type: str | None = None) -> list[dict[str, Any]]:
    async with db.transaction() as session:
        rows = (await session.execute(select(outbox_table).order_by(outbox_table.c.seq))).all()
    found = []
    for row in rows:
        headers = dict(row.headers)
        if event_type is None or headers["ce-type"] == event_type:
            found.append({"headers": headers, "body": json.loads(row.body)})
    return found


# --- Streams -------------------------------------------------------------------------------------


# Shared with every service's tests (ideapaja_runtime.testing).
publish = publish_event


def dead_letters(js: Any, consumer: str) -> Callable[[], Awaitable[list[Any] | None]]:
    """For ``eventually``: the messages the notification consumer ``consumer`` dead-lettered."""

    async def check() -> list[Any] | None:
        found = await stream_messages(js, "IDEAPAJA_DLQ", f"deadletter.notification.{consumer}")
        return found or None

    return check


def service_settings(**overrides: Any) -> NotificationSettings:
    values: dict[str, Any] = {
        "delivery_retry_base_seconds": 0.1,
        "delivery_retry_max_seconds": 0.3,
        "sender_poll_seconds": 0.1,
        "smtp_timeout_seconds": 2.0,
        "sender_lease_seconds": 10.0,
    }
    values.update(overrides)
    settings: dict[str, Any] = fast_test_settings(**values)
    return NotificationSettings(**settings)


def settings_for(
    nats_url: str, database_url: str, dev_keys: DevKeys, mail_server: MailServer, **extra: Any
) -> NotificationSettings:
    values: dict[str, Any] = {
        "nats_url": nats_url,
        "database_url": database_url,
        "auth_public_key": dev_keys.public_pem,
        "smtp_port": mail_server.port,
        # Events may arrive before the HR record they need: give RetryLater room to wait.
        "max_deliver": 10,
        "redelivery_backoff": [0.1, 0.2, 0.4, 0.8],
        # Outages in these tests are short; a delivery must not run out of attempts during one.
        "delivery_max_attempts": 50,
    }
    values.update(extra)
    return service_settings(**values)


# Starts the service for its HTTP API, with settings overrides (conftest's ``start_service``).
StartService = Callable[..., AbstractAsyncContextManager[RunningService]]

# What an error answer is (RFC 9457).
PROBLEM = "application/problem+json"

# What every list answers when it holds nothing for the asker.
EMPTY_PAGE = {"items": [], "total": 0, "total_exact": True, "limit": 50, "next_cursor": None}
