"""Builders and probes shared by the reward service's tests."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from ideapaja_contracts import Event, encode
from ideapaja_contracts.events.idea import IdeaCommented, IdeaSubmitted, IdeaSupported
from ideapaja_contracts.events.progress import (
    ExperimentCompleted,
    ExperimentOutcome,
    ExperimentStarted,
    ImplementationCompleted,
    PracticeAdopted,
)
from ideapaja_contracts.events.review import Decision, ReviewDecided
from ideapaja_reward.app import service
from ideapaja_reward.db.models import LedgerEntry, RewardGrant, RewardIdea, RuleVersion
from ideapaja_reward.domain import RuleSet
from ideapaja_reward.settings import RewardSettings
from ideapaja_reward.usecases import rulebook
from ideapaja_runtime.auth import Principal
from ideapaja_runtime.db import Database
from ideapaja_runtime.messaging import HandlerContext
from ideapaja_runtime.outbox import Outbox, outbox_table
from ideapaja_runtime.testing import (
    DevKeys,
    RunningService,
    context_in,
    fast_test_settings,
    publish_event,
    running_service,
    stream_messages,
)
from ideapaja_runtime.testing_builders import idea_submitted, review_decided, wiring
from ideapaja_runtime.testing_units import uow_in

SOURCE = "/ideapaja/reward"
Handler = Callable[[Any, HandlerContext], Awaitable[None]]


def new_idea_id() -> str:
    return f"i-{uuid.uuid4().hex[:10]}"


def submitted(
    idea_id: str | None = None,
    *,
    authors: Sequence[str] = ("p-1001",),
    unit_id: str = "u-kirjasto",
    anonymous: bool = False,
) -> IdeaSubmitted:
    return idea_submitted(
        idea_id or new_idea_id(), author_ids=list(authors), unit_id=unit_id, anonymous=anonymous
    )


def decided(idea_id: str, decision: Decision = Decision.ACCEPTED) -> ReviewDecided:
    return review_decided(idea_id, decision)


def implemented(idea_id: str) -> ImplementationCompleted:
    return ImplementationCompleted(idea_id=idea_id, owner_id="p-2001")


def experiment_started(idea_id: str, experiment_id: str = "x-1") -> ExperimentStarted:
    return ExperimentStarted(
        idea_id=idea_id,
        experiment_id=experiment_id,
        pilot_unit_ids=["u-kirjasto"],
        hypothesis="Iltaisin auki lisää käyttöä",
        measure="käyntejä viikossa",
        starts_on=date(2026, 3, 1),
        ends_on=date(2026, 5, 31),
    )


def experiment_completed(
    idea_id: str, outcome: ExperimentOutcome = ExperimentOutcome.SCALE, experiment_id: str = "x-1"
) -> ExperimentCompleted:
    return ExperimentCompleted(
        idea_id=idea_id, experiment_id=experiment_id, result="Käyntejä +20 %", outcome=outcome
    )


def adopted(idea_id: str, unit_id: str) -> PracticeAdopted:
    return PracticeAdopted(
        idea_id=idea_id, practice_id=f"gp-{idea_id}", adopting_unit_id=unit_id, reported_by="p-3001"
    )


def supported(idea_id: str, supporter_id: str, *, withdrawn: bool = False) -> IdeaSupported:
    return IdeaSupported(
        idea_id=idea_id, supporter_id=supporter_id, withdrawn=withdrawn, support_count=1
    )


def commented(
    idea_id: str, commenter_id: str, comment_id: str | None = None, *, hidden: bool = False
) -> IdeaCommented:
    return IdeaCommented(
        idea_id=idea_id,
        comment_id=comment_id or f"c-{uuid.uuid4().hex[:8]}",
        commenter_id=commenter_id,
        body="Hyvä ajatus",
        hidden=hidden,
    )


ADMIN = Principal("p-admin", frozenset({"admin"}), frozenset())


async def new_rules(db: Database, rules: dict[str, Any], reason: str = "test") -> RuleVersion:
    """Put ``rules`` in force as the next version, as an admin would."""
    async with db.transaction() as session:
        uow = uow_in(session, reward_settings(), actor=ADMIN)
        return await rulebook.new_version(uow, RuleSet.parse(rules), reason)


def reward_settings(**overrides: Any) -> RewardSettings:
    return RewardSettings.model_validate(fast_test_settings(**overrides))


@asynccontextmanager
async def running_reward(
    nats_url: str, database_url: str, dev_keys: DevKeys, **settings: Any
) -> AsyncIterator[RunningService]:
    """The reward service running on ``database_url``, wired to NATS and the dev keys
    (``settings`` override its settings)."""
    configured = reward_settings(**wiring(nats_url, database_url, dev_keys), **settings)
    async with running_service(service, configured) as running:
        yield running


async def handle(
    db: Database,
    handler: Handler,
    event: Event,
    *,
    event_id: str | None = None,
    outbox: Outbox | None = None,
    time: datetime | None = None,
) -> str:
    """Run ``handler`` as the runtime does: in one transaction, with the event's envelope (its
    time ``time``, now unless given).

    Returns the event id used (a fresh one unless given), so a test can replay the same event
    under another id.
    """
    envelope = encode(event, source="/test", event_id=event_id, time=time).envelope
    async with db.transaction() as session:
        await handler(event, context_in(session, envelope, outbox=outbox or Outbox(SOURCE)))
    return envelope.id


async def ledger_entries(db: Database) -> list[LedgerEntry]:
    async with db.transaction() as session:
        return list((await session.scalars(select(LedgerEntry))).all())


async def grants(db: Database) -> list[RewardGrant]:
    async with db.transaction() as session:
        return list((await session.scalars(select(RewardGrant))).all())


async def idea(db: Database, idea_id: str) -> RewardIdea | None:
    async with db.transaction() as session:
        return await session.get(RewardIdea, idea_id)


async def outbox_events(db: Database, event_type: type[Event]) -> list[dict[str, Any]]:
    """Bodies (with their ce-id) of the events of ``event_type`` waiting in or sent from the
    outbox, in order."""
    async with db.transaction() as session:
        rows = (
            await session.execute(
                select(outbox_table.c.headers, outbox_table.c.body)
                .where(outbox_table.c.subject == event_type.event_type())
                .order_by(outbox_table.c.seq)
            )
        ).all()
    return [{"ce-id": headers["ce-id"], **json.loads(body)} for headers, body in rows]


# --- on a real NATS server ------------------------------------------------------------------

CONSUMERS = (
    "reward-ideas",
    "reward-decisions",
    "reward-experiments-started",
    "reward-experiments-completed",
    "reward-implementations",
    "reward-practice-adoptions",
    "reward-supports",
    "reward-comments",
    "reward-privacy-erasures",
)


# Shared with every service's tests (ideapaja_runtime.testing).
publish = publish_event


async def granted_on_stream(js: Any, stream: str) -> list[dict[str, Any]]:
    messages = await stream_messages(js, stream, "ideapaja.reward.granted.v1")
    return [json.loads(m.data) for m in messages]


async def settled(js: Any, runtime: Any) -> bool:
    """True once every reward consumer has acked all its events and the outbox is published."""
    for consumer in CONSUMERS:
        info = await js.consumer_info(runtime.settings.lifecycle_stream, consumer)
        if info.num_pending or info.num_ack_pending:
            return False
    return bool(await runtime.relay.pending() == 0)


async def dead_letter_count(js: Any, runtime: Any) -> int:
    info = await js.stream_info(runtime.settings.dead_letter_stream)
    return int(info.state.messages)
