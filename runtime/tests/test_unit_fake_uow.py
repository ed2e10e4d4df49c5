"""The fake unit of work the fast unit tests hand a use case: the service's schema in memory,
published events recorded, the clock and the actor as the test sets them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import runtime_sample_service
from runtime_sample_service import SampleSettings, count_effects, effects

from ideapaja_contracts.events.idea import IdeaWithdrawn
from ideapaja_runtime.auth import Principal
from ideapaja_runtime.outbox import OutboxEntry
from ideapaja_runtime.testing import RecordingOutbox, fake_unit_of_work
from ideapaja_runtime.uow import UnitOfWork

MIGRATIONS = Path(runtime_sample_service.__file__).parent / "migrations"
MOMENT = datetime(2027, 1, 14, 11, 0, tzinfo=UTC)


async def withdraw(uow: UnitOfWork[SampleSettings], idea_id: str) -> None:
    """A use case as services write them: effects in the session, events through the outbox."""
    await uow.session.execute(effects.insert().values(idea_id=idea_id, event_id="unit"))
    await uow.publish(IdeaWithdrawn(idea_id=idea_id, withdrawn_by=uow.person.person_id))


async def test_a_use_case_runs_on_the_fake_unit_of_work() -> None:
    actor = Principal("p-1", frozenset({"employee"}), frozenset())
    async with fake_unit_of_work(
        MIGRATIONS, SampleSettings(), actor=actor, clock=lambda: MOMENT
    ) as uow:
        await withdraw(uow, "i-1")
        assert await count_effects(uow.session, "i-1") == 1
        assert uow.now == MOMENT
        assert isinstance(uow.outbox, RecordingOutbox)
        assert uow.outbox.events == [IdeaWithdrawn(idea_id="i-1", withdrawn_by="p-1")]


async def test_each_fake_unit_of_work_starts_empty() -> None:
    async with fake_unit_of_work(MIGRATIONS, SampleSettings()) as uow:
        assert await count_effects(uow.session, "i-1") == 0
        assert isinstance(uow.outbox, RecordingOutbox)
        assert uow.outbox.events == []


async def test_publish_all_stores_the_events_with_their_ids_in_one_insert() -> None:
    async with fake_unit_of_work(MIGRATIONS, SampleSettings()) as uow:
        outbox = uow.outbox
        assert isinstance(outbox, RecordingOutbox)
        batches: list[list[str | None]] = []
        record = outbox.add_entries

        def add_entries(session: Any, entries: Sequence[OutboxEntry]) -> Any:
            batches.append([entry.event_id for entry in entries])
            return record(session, entries)

        outbox.add_entries = add_entries  # type: ignore[method-assign]
        first = IdeaWithdrawn(idea_id="i-1", withdrawn_by="p-1")
        second = IdeaWithdrawn(idea_id="i-2", withdrawn_by="p-1")
        await uow.publish_all([(first, "e-1"), (second, None)])
        assert batches == [["e-1", None]]
        assert outbox.events == [first, second]
