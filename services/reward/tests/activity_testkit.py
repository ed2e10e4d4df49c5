"""A small city for the activity and periodic award tests: HR's units and people, and ideas
submitted, accepted and implemented at chosen times (events handled as the consumers would)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from reward_testkit import decided, handle, implemented, running_reward, submitted

from ideapaja_contracts.events.hr import UnitKind, UnitUpserted
from ideapaja_reward.domain import RuleSet
from ideapaja_reward.handlers import RewardHandlers
from ideapaja_reward.usecases import org_sync
from ideapaja_runtime.db import Database
from ideapaja_runtime.outbox import Outbox
from ideapaja_runtime.testing import DevKeys, RunningService
from ideapaja_runtime.testing_builders import person_upserted

HANDLERS = RewardHandlers(RuleSet.default())
HR_IMPORT = datetime(2025, 1, 1, 6, tzinfo=UTC)  # HR's first import: no headcounts before it

# d-sivistys (department) ─ u-kirjasto (4 people), u-koulu (2); u-uimahalli (1) on its own.
UNITS = [
    ("d-sivistys", UnitKind.DEPARTMENT, None),
    ("u-kirjasto", UnitKind.UNIT, "d-sivistys"),
    ("u-koulu", UnitKind.UNIT, "d-sivistys"),
    ("u-uimahalli", UnitKind.UNIT, None),
]
PEOPLE = {
    "u-kirjasto": ["p-1", "p-2", "p-3", "p-4"],
    "u-koulu": ["p-5", "p-6"],
    "u-uimahalli": ["p-7"],
}


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


async def seed_org(db: Database) -> None:
    for unit_id, kind, parent in UNITS:
        event = UnitUpserted(unit_id=unit_id, kind=kind, parent_id=parent, name_fi=unit_id)
        await handle(db, org_sync.on_unit_upserted, event, time=HR_IMPORT)
    for unit_id, people in PEOPLE.items():
        for person in people:
            event = person_upserted(person, unit_id)
            await handle(db, org_sync.on_person_upserted, event, time=HR_IMPORT)


async def idea(
    db: Database,
    idea_id: str,
    unit_id: str,
    authors: Sequence[str],
    submitted_at: datetime,
    *,
    accepted_at: datetime | None = None,
    implemented_at: datetime | None = None,
    anonymous: bool = False,
    outbox: Outbox | None = None,
) -> None:
    event = submitted(idea_id, authors=authors, unit_id=unit_id, anonymous=anonymous)
    await handle(db, HANDLERS.on_idea_submitted, event, time=submitted_at, outbox=outbox)
    if accepted_at is not None:
        await handle(
            db, HANDLERS.on_review_decided, decided(idea_id), time=accepted_at, outbox=outbox
        )
    if implemented_at is not None:
        await handle(
            db,
            HANDLERS.on_implementation_completed,
            implemented(idea_id),
            time=implemented_at,
            outbox=outbox,
        )


async def seed_ideas(db: Database, outbox: Outbox | None = None) -> None:
    """i-1 (library, p-1 and p-2) in February 2025, accepted in March; i-2 (school, anonymous
    p-2) at 00:30 on 1 March in Helsinki; i-3 (library, p-3) in January, implemented in
    February."""
    await idea(
        db,
        "i-1",
        "u-kirjasto",
        ["p-1", "p-2"],
        utc(2025, 2, 10, 9),
        accepted_at=utc(2025, 3, 5),
        outbox=outbox,
    )
    await idea(
        db, "i-2", "u-koulu", ["p-2"], utc(2025, 2, 28, 22, 30), anonymous=True, outbox=outbox
    )
    await idea(
        db,
        "i-3",
        "u-kirjasto",
        ["p-3"],
        utc(2025, 1, 20),
        implemented_at=utc(2025, 2, 3),
        outbox=outbox,
    )


@asynccontextmanager
async def seeded_city(
    nats_url: str, database_url: str, dev_keys: DevKeys, **settings: Any
) -> AsyncIterator[RunningService]:
    """The reward service running on the city above (``settings`` override its settings)."""
    async with running_reward(nats_url, database_url, dev_keys, **settings) as running:
        await seed_org(running.runtime.db)
        await seed_ideas(running.runtime.db, running.runtime.outbox)
        yield running
