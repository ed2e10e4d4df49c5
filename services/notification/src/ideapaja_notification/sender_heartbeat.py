"""A sender's heartbeat, and what the logs say about claims held by senders alive or dead.

Each claiming worker (``delivery_worker.py``) is one holder: a fresh id per process start, its
``host:pid``, and a ``sender_heartbeats`` row it refreshes every ``interval`` while it lives.
Other senders count its claims as binding only while that row is younger than the holder
timeout (``db/claiming.py``), so the heartbeat must keep going whatever the sender is doing:
it is a task of its own, and a claim or an attempt also beats when the task has fallen behind.
"""

from __future__ import annotations

import asyncio
import os
import socket
import time
import uuid
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from ideapaja_notification.db import claiming
from ideapaja_notification.db.claiming import Holder, Holding
from ideapaja_runtime.clock import Clock
from ideapaja_runtime.db import Database
from ideapaja_runtime.logging import get_logger

log = get_logger(__name__)


class Heartbeat:
    def __init__(
        self, db: Database, worker: str, *, interval: float, timeout: float, clock: Clock
    ) -> None:
        self.db = db
        self.worker = worker
        self.interval = interval
        # A restarted process is a new holder: the claims of the one before are free as soon
        # as its last beat is ``timeout`` old.
        self.holder = Holder(uuid.uuid4().hex, timedelta(seconds=timeout))
        self.host = f"{socket.gethostname()}:{os.getpid()}"[:255]
        self.clock = clock
        self._last: float | None = None

    async def run(self) -> None:
        """Beat every ``interval`` until cancelled."""
        while True:
            try:
                async with self.db.transaction() as session:
                    await self.beat(session)
            except Exception as exc:  # the database is away: beat again, others wait meanwhile
                log.warning("sender_heartbeat_failed", worker=self.worker, error=repr(exc))
            await asyncio.sleep(self.interval)

    async def beat(self, session: AsyncSession) -> None:
        await claiming.beat(
            session, self.holder.id, worker=self.worker, host=self.host, now=self.clock()
        )
        self._last = time.monotonic()

    async def beat_if_due(self, session: AsyncSession) -> None:
        """Beat with a claim or an attempt when the task has not lately (or does not run: a
        sender driven step by step), so a sender is never seen dead while it works."""
        if self._last is None or time.monotonic() - self._last > self.interval:
            await self.beat(session)

    async def forget(self) -> None:
        """A graceful stop: this holder is gone, what it still holds is free at once."""
        try:
            async with self.db.transaction() as session:
                await claiming.forget(session, self.holder.id)
        except Exception as exc:  # then it counts as dead once its last beat is old enough
            log.warning("sender_heartbeat_not_removed", worker=self.worker, error=repr(exc))


def _seen(holding: Holding) -> dict[str, object]:
    return {
        "deliveries": holding.deliveries,
        "holder": holding.holder_id,
        "host": holding.host,
        "last_seen": holding.last_seen.isoformat() if holding.last_seen else None,
    }


def log_held(event: str, holdings: list[Holding]) -> None:
    """At start-up: per holder, what earlier senders still hold, until when, and why."""
    for holding in holdings:
        if holding.holder_id is None:
            why = "claimed before claims named their sender; sent once the claim lapses"
        elif holding.alive:
            why = (
                "their sender was seen within the holder timeout: a live replica sending them, "
                "or one just killed (taken over once unseen that long)"
            )
        else:
            why = "their sender stopped beating (killed?): taken over now, not at `until`"
        log.warning(
            event,
            **_seen(holding),
            until=holding.until.isoformat() if holding.until else None,
            alive=holding.alive,
            why=why,
        )


def log_taken_over(event: str, holding: Holding) -> None:
    log.warning(
        event,
        **_seen(holding),
        lease_until=holding.until.isoformat() if holding.until else None,
        why="its sender stopped beating (killed, or cut off from the database)",
    )
