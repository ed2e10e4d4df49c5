"""The unit of work: everything a use case is handed, the same whether an HTTP route or an event
handler called it.

- ``session``: the one transaction its effects belong to (committed by whoever opened it: the
  route before the response is sent, the consumer before the ack);
- ``now`` and ``clock``: the service's time (replaceable in tests), read once per unit so every
  stamp in one transaction agrees;
- ``actor``: the person acting (HTTP), or ``None`` for the system (an event, a sweep);
- ``publish(event)``: into the transactional outbox, continuing the caller's trace;
- ``settings``: the service's own settings, typed (``UnitOfWork[ReviewSettings]``);
- ``envelope``: the event being handled (``EventUnitOfWork``, what a consumer's handler gets).

Nothing in a use case knows whether HTTP or NATS called it, so a unit test hands it one built on
an in-memory database whose published events are recorded (``ideapaja_runtime.testing``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from ideapaja_contracts import Envelope, Event
from ideapaja_runtime.auth import Principal
from ideapaja_runtime.clock import Clock, utc_now
from ideapaja_runtime.db import Database
from ideapaja_runtime.outbox import OutboxEntry
from ideapaja_runtime.settings import ServiceSettings

if TYPE_CHECKING:
    from ideapaja_runtime.outbox import Outbox

S = TypeVar("S", bound=ServiceSettings)


class NoActor(RuntimeError):
    """A use case that needs a person was run without one (a programming error)."""


@dataclass(kw_only=True)
class UnitOfWork(Generic[S]):
    session: AsyncSession
    settings: S
    outbox: Outbox
    clock: Clock = utc_now
    now: datetime = field(default_factory=utc_now)
    actor: Principal | None = None
    traceparent: str | None = None

    async def publish(self, event: Event, *, event_id: str | None = None) -> None:
        """Emit ``event`` when (and only if) this unit's transaction commits.

        A deterministic ``event_id`` (derived from what the event is about) lets JetStream and
        downstream consumers recognise a re-emitted copy."""
        await self.outbox.add(self.session, event, traceparent=self.traceparent, event_id=event_id)

    async def publish_all(self, events: Sequence[tuple[Event, str | None]]) -> None:
        """``publish`` for several (event, event id) pairs, stored in one outbox insert."""
        await self.outbox.add_many(
            self.session,
            [
                OutboxEntry(event, traceparent=self.traceparent, event_id=event_id)
                for event, event_id in events
            ],
        )

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` once the unit's effects are committed (e.g. wake a sender)."""
        Database.after_commit(self.session, callback)

    @property
    def person(self) -> Principal:
        """The acting person; a use case that needs one says so by reading this."""
        if self.actor is None:
            raise NoActor("this use case needs an acting person")
        return self.actor


@dataclass(kw_only=True)
class EventUnitOfWork(UnitOfWork[S]):
    """A consumer's unit of work: also the envelope of the event being handled (its id, time,
    source), and ``traceparent`` continues that event's trace."""

    envelope: Envelope


@asynccontextmanager
async def open_unit_of_work(
    db: Database,
    settings: S,
    outbox: Outbox,
    *,
    clock: Clock = utc_now,
    actor: Principal | None = None,
    traceparent: str | None = None,
) -> AsyncIterator[UnitOfWork[S]]:
    """A transaction and the unit of work around it: committed when the block ends, rolled
    back if it raises."""
    async with db.transaction() as session:
        yield UnitOfWork(
            session=session,
            settings=settings,
            outbox=outbox,
            clock=clock,
            now=clock(),
            actor=actor,
            traceparent=traceparent,
        )


def event_unit(
    session: AsyncSession,
    settings: S,
    outbox: Outbox,
    envelope: Envelope,
    *,
    clock: Clock = utc_now,
) -> EventUnitOfWork[S]:
    """One event's unit of work in a consumer's transaction (which may hold a batch of events:
    each gets its own envelope, trace and ``now``; they commit together, before the acks)."""
    return EventUnitOfWork(
        session=session,
        settings=settings,
        outbox=outbox,
        clock=clock,
        now=clock(),
        traceparent=envelope.traceparent,
        envelope=envelope,
    )
