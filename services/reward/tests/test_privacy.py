"""GDPR: the report of everything held on a person, and an erasure that keeps the ledger under
the opaque person id (payroll records have a legal retention) and stores nothing more."""

from __future__ import annotations

from typing import Any

from reward_testkit import (
    decided,
    grants,
    handle,
    ledger_entries,
    publish,
    reward_settings,
    running_reward,
    submitted,
)

from ideapaja_reward.domain import RuleSet
from ideapaja_reward.handlers import RewardHandlers
from ideapaja_reward.usecases import org_sync, privacy
from ideapaja_runtime import inbox
from ideapaja_runtime.db import Database
from ideapaja_runtime.testing import DevKeys, eventually, uow_in
from ideapaja_runtime.testing_builders import erasure_requested, person_upserted

ERASURE = erasure_requested("p-1001", erasure_id="er-1")


async def _seed(db: Database, outbox: Any = None) -> None:
    handlers = RewardHandlers(RuleSet.default())
    await handle(db, handlers.on_idea_submitted, submitted("i-1", authors=["p-1001", "p-1002"]))
    await handle(db, handlers.on_idea_submitted, submitted("i-2", authors=["p-1002"]))
    await handle(db, handlers.on_review_decided, decided("i-1"))


async def test_the_report_holds_the_ledger_grants_and_ideas(reward_db: Database) -> None:
    await _seed(reward_db)
    async with reward_db.transaction() as session:
        report = await privacy.person_report(uow_in(session, reward_settings()), "p-1001")
        nobody = await privacy.person_report(uow_in(session, reward_settings()), "p-404")
    assert report.total_points == 55
    assert sorted((e.rule, e.points) for e in report.ledger) == [("accepted", 50), ("submitted", 5)]
    assert sorted(g.points for g in report.grants) == [5, 50]
    assert [i.id for i in report.ideas_authored] == ["i-1"]
    assert (nobody.total_points, nobody.ledger, nobody.grants, nobody.ideas_authored) == (
        0,
        [],
        [],
        [],
    )


async def test_the_report_lists_the_units_hr_placed_the_person_in(reward_db: Database) -> None:
    await handle(reward_db, org_sync.on_person_upserted, person_upserted("p-1001", "u-kirjasto"))
    async with reward_db.transaction() as session:
        report = await privacy.person_report(uow_in(session, reward_settings()), "p-1001")
    assert [(m.unit_id, m.until) for m in report.unit_memberships] == [("u-kirjasto", None)]


async def test_erasure_keeps_the_payroll_records_and_stores_nothing(
    sqlite_reward_db: Database,
) -> None:
    db = sqlite_reward_db
    await _seed(db)
    before = (await ledger_entries(db), await grants(db))
    await handle(db, privacy.on_erasure_requested, ERASURE)
    after = (await ledger_entries(db), await grants(db))
    key = lambda rows: sorted((r.person_id, r.idea_id, r.points) for r in rows)  # noqa: E731
    assert [key(rows) for rows in after] == [key(rows) for rows in before]


async def test_the_report_route_and_the_erasure_over_nats(
    nats_url: str, sqlite_url: str, dev_keys: DevKeys, js: Any
) -> None:
    async with running_reward(nats_url, sqlite_url, dev_keys) as running:
        await _seed(running.runtime.db)
        client = running.client
        own = await client.get("/privacy/persons/p-1001", headers=dev_keys.headers("p-1001"))
        assert own.status_code == 200 and own.json()["total_points"] == 55
        for role in ("hr", "admin"):
            seen = await client.get("/privacy/persons/p-1001", headers=dev_keys.headers("p", role))
            assert seen.status_code == 200 and seen.json() == own.json()
        for role in ("employee", "reward_approver", "supervisor"):
            refused = await client.get(
                "/privacy/persons/p-1001", headers=dev_keys.headers("p-1002", role)
            )
            assert refused.status_code == 403 and refused.json()["reason"] == "object"

        event_id = await publish(js, ERASURE)

        async def erased() -> bool:
            async with running.runtime.db.transaction() as session:
                return await inbox.handled(
                    session, consumer="reward-privacy-erasures", event_id=event_id
                )

        await eventually(erased)
        kept = await client.get("/privacy/persons/p-1001", headers=dev_keys.headers("p", "hr"))
        assert kept.json() == own.json()
