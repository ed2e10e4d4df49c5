"""An award's grants reach HR exactly once when the service dies between writing them and
publishing them: the grants and their RewardGranted rows are committed together (outbox), the
relay publishes what is left after a restart, and a copy it had already published before dying
(not yet marked sent) is dropped by JetStream by its id."""

from __future__ import annotations

from award_testkit import COMMITTEE, SUPERVISOR, as_person, proposal, seed_idea
from nats.js import JetStreamContext
from reward_testkit import granted_on_stream, reward_settings
from sqlalchemy import select

from ideapaja_contracts.events.reward import RewardGranted
from ideapaja_reward.app import service
from ideapaja_reward.usecases import awards
from ideapaja_runtime.db import Database
from ideapaja_runtime.outbox import Outbox, outbox_table
from ideapaja_runtime.testing import eventually, migrated_database, running_service

GRANTED = RewardGranted.event_type()


async def test_a_grant_written_but_not_published_is_published_once(
    nats_url: str, database_url: str, js: JetStreamContext
) -> None:
    settings = reward_settings(nats_url=nats_url, database_url=database_url)
    outbox = Outbox("/ideapaja/reward")
    # The service's work, committed, with nothing published: as if killed right after the commit.
    async with migrated_database(database_url, service.migrations) as db:
        await seed_idea(db)
        award, _ = await as_person(db, COMMITTEE, lambda uow: awards.propose(uow, proposal()))
        await as_person(
            db,
            SUPERVISOR,
            lambda uow: awards.approve(uow, award.award_id, None),
            outbox=outbox,  # a real outbox: rows for the relay
        )
        rows = await unsent(db)
    assert [subject for subject, _, _ in rows].count(GRANTED) == 3

    # ... or killed after the relay published one but before it marked it sent.
    await js.add_stream(name=settings.lifecycle_stream, subjects=["ideapaja.>"])
    subject, headers, body = next(row for row in rows if row[0] == GRANTED)
    await js.publish(subject, body, headers=headers)

    async with running_service(service, settings) as running:

        async def all_published() -> bool:
            return bool(await running.runtime.relay.pending() == 0)

        await eventually(all_published)
        granted = await granted_on_stream(js, settings.lifecycle_stream)
    assert sorted(g["person_id"] for g in granted) == ["p-1", "p-2", "p-3"]
    assert len({g["grant_id"] for g in granted}) == 3
    assert {g["approval_trail_id"] for g in granted} == {award.award_id}


async def unsent(db: Database) -> list[tuple[str, dict[str, str], bytes]]:
    async with db.transaction() as session:
        found = await session.execute(
            select(outbox_table.c.subject, outbox_table.c.headers, outbox_table.c.body)
            .where(outbox_table.c.sent_at.is_(None))
            .order_by(outbox_table.c.seq)
        )
        return [(subject, dict(headers), bytes(body)) for subject, headers, body in found.all()]
