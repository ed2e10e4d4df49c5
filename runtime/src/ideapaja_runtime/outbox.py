"""Transactional outbox: an event is stored in the same transaction as the state change that
caused it, and a relay publishes it to JetStream afterwards.

The relay (``ideapaja_runtime.relay``) publishes with ``Nats-Msg-Id`` = event id and waits for
the stream's ack before it marks the row sent. If it dies between the two, the next run publishes
the row again and JetStream's duplicate window drops the copy; consumers' inboxes catch anything
older than that window.

Two ways a row reaches the relay:
- handed over: the process that commits the row leases it to its own relay in the same insert
  and, once the transaction has committed, hands the relay the messages it already holds. The
  relay publishes them without reading them back (no claim query, no extra transaction), which
  is what keeps a busy service's publishing cheap;
- claimed: the relay polls the table for rows nobody holds (another process's, or handed-over
  rows whose publishing failed or whose process died before publishing: their short lease ends
  and they are claimed like any other). Nothing depends on the hand-over being in memory; a
  crash between commit and publish delays those events by the hand-over lease (2 × the publish
  timeout, 10 s by default).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    Column,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session
from sqlalchemy.types import JSON

from ideapaja_contracts import Event, OutgoingMessage, encode
from ideapaja_contracts.envelope import child_traceparent
from ideapaja_runtime.clock import UtcDateTime
from ideapaja_runtime.db import Database

if TYPE_CHECKING:
    from ideapaja_runtime.relay import OutboxRelay

_metadata = MetaData()
outbox_table = Table(
    "outbox",
    _metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("event_id", String(64), nullable=False, unique=True),
    Column("subject", String(255), nullable=False),
    Column("headers", JSON, nullable=False),
    Column("body", LargeBinary, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("sent_at", UtcDateTime, nullable=True),
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_error", String(500), nullable=True),
    Column("claimed_until", UtcDateTime, nullable=True),
)
# Built once: every event a service publishes goes through it.
_INSERT = outbox_table.insert()


@dataclass(frozen=True)
class OutboxEntry:
    """An event to store, with the trace it continues and, optionally, its chosen id."""

    event: Event
    traceparent: str | None = None
    event_id: str | None = None


class Outbox:
    """Adds events to the outbox inside the caller's transaction.

    With a ``relay`` (the running service's), new rows are leased to it and handed over once
    committed; without one, they wait for whichever relay polls the table."""

    def __init__(self, source: str, relay: OutboxRelay | None = None) -> None:
        self.source = source
        self.relay = relay

    async def add(
        self,
        session: AsyncSession,
        event: Event,
        *,
        traceparent: str | None = None,
        event_id: str | None = None,
    ) -> OutgoingMessage:
        """Store ``event``; it is published once the surrounding transaction commits.

        ``traceparent`` is the incoming trace (a consumed event's or a request's): the new event
        continues that trace with a span of its own.
        """
        [message] = await self.add_many(
            session, [OutboxEntry(event, traceparent=traceparent, event_id=event_id)]
        )
        return message

    async def add_many(
        self, session: AsyncSession, entries: Sequence[OutboxEntry]
    ) -> list[OutgoingMessage]:
        """Store several events in one statement (a batch of requests written together)."""
        return await session.run_sync(self.add_entries, entries)

    def add_entries(
        self, session: Session, entries: Sequence[OutboxEntry]
    ) -> list[OutgoingMessage]:
        """``add_many`` for synchronous work (``Database.run_transaction``)."""
        if not entries:
            return []
        messages = [
            encode(
                entry.event,
                source=self.source,
                event_id=entry.event_id,
                traceparent=child_traceparent(entry.traceparent),
            )
            for entry in entries
        ]
        now = datetime.now(UTC)
        relay = self.relay
        # Leased to our relay from the start, so no other relay claims them meanwhile.
        leased_until = relay.handover_lease_end(now) if relay is not None else None
        session.execute(
            _INSERT,
            [
                {
                    "event_id": message.envelope.id,
                    "subject": message.subject,
                    "headers": message.headers,
                    "body": message.body,
                    "created_at": now,
                    "attempts": 0,
                    "claimed_until": leased_until,
                }
                for message in messages
            ],
        )
        if relay is not None:
            Database.after_commit(session, lambda: relay.hand_over(messages))
        return messages
