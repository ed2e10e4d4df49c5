"""Reminders before a deadline, with controlled time: a step due within the warning period
(24 hours by default) emits CaseDeadlineNear to its reviewers once per step entry and level,
across re-runs and racing replicas; a step not yet near emits nothing; an overdue one is
escalated as before, and its new deadline is reminded of in its turn."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from httpx import AsyncClient
from review_testkit import (
    ORG,
    As,
    FakeClock,
    NewCase,
    events_of,
    idea,
    ok,
    org_delivery,
    outbox_events,
    replica_at,
    review_settings,
)
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ideapaja_contracts.events.review import CaseDeadlineNear
from ideapaja_review.db.models import CaseRow, DeadlineWarningRow
from ideapaja_review.domain.deadlines import deadline_near
from ideapaja_review.usecases import deadline_warnings
from ideapaja_runtime.db import Database
from ideapaja_runtime.testing import RunningService

ADMIN = ("p-admin", "admin")
NEAR = CaseDeadlineNear.event_type()
ESCALATED = "ideapaja.review.escalated.v1"
DAY = timedelta(days=1)


async def sweep(client: AsyncClient, as_: As) -> dict[str, Any]:
    return dict(ok(await client.post("/deadlines/sweep", headers=as_(*ADMIN))))


def test_near_means_due_within_the_warning_and_not_yet_overdue() -> None:
    now = datetime(2026, 3, 1, 12, tzinfo=UTC)
    assert deadline_near(now + timedelta(hours=23), now, DAY)
    assert deadline_near(now + DAY, now, DAY)
    assert not deadline_near(now + DAY + timedelta(seconds=1), now, DAY)
    assert not deadline_near(now, now, DAY)  # due now is overdue: escalated, not reminded
    assert not deadline_near(now - DAY, now, DAY)
    assert not deadline_near(None, now, DAY)
    assert not deadline_near(now + timedelta(hours=1), now, timedelta(0))


async def test_a_near_deadline_reminds_the_reviewers_once_per_step_and_level(
    api: RunningService, client: AsyncClient, as_: As, new_case: NewCase, clock: FakeClock
) -> None:
    case = await new_case(unit_id="u-kirjasto")
    case_id = case["id"]
    # Screening is due in 14 days: at 25 hours before, it is not near yet.
    clock.advance(days=12, hours=23)
    swept = await sweep(client, as_)
    assert case_id not in swept["reminded_case_ids"] + swept["case_ids"]
    assert events_of(await outbox_events(api.runtime.db, NEAR), case_id=case_id) == []

    # 23 hours before: its reviewers are reminded, once.
    clock.advance(hours=2)
    assert case_id in (await sweep(client, as_))["reminded_case_ids"]
    [near] = events_of(await outbox_events(api.runtime.db, NEAR), case_id=case_id)
    assert {k: near[k] for k in ("idea_id", "step", "level", "unit_id")} == {
        "idea_id": case["idea_id"],
        "step": "screening",
        "level": 0,
        "unit_id": "u-kirjasto",
    }
    assert datetime.fromisoformat(near["due_at"]) == datetime.fromisoformat(case["due_at"])
    assert near["reviewer_ids"] == ["p-ca-kirjasto", "p-sup-kirjasto"]
    # Run again, and again later that day: still one reminder.
    assert case_id not in (await sweep(client, as_))["reminded_case_ids"]
    clock.advance(hours=12)
    assert case_id not in (await sweep(client, as_))["reminded_case_ids"]
    assert len(events_of(await outbox_events(api.runtime.db, NEAR), case_id=case_id)) == 1

    # Overdue: escalated as before, and no reminder for the missed deadline.
    clock.advance(hours=12)
    swept = await sweep(client, as_)
    assert case_id in swept["case_ids"] and case_id not in swept["reminded_case_ids"]
    [escalated] = events_of(await outbox_events(api.runtime.db, ESCALATED), case_id=case_id)
    assert escalated["level"] == 1

    # The department's deadline (7 days) is reminded of in its turn, to everyone on it now.
    clock.advance(days=6, hours=1)
    assert case_id in (await sweep(client, as_))["reminded_case_ids"]
    first, second = events_of(await outbox_events(api.runtime.db, NEAR), case_id=case_id)
    assert (second["step"], second["level"]) == ("screening", 1)
    assert second["reviewer_ids"] == escalated["reviewer_ids"]
    assert second["due_at"] == escalated["next_due_at"] != first["due_at"]
    assert case_id not in (await sweep(client, as_))["reminded_case_ids"]


async def test_a_step_with_no_deadline_or_a_decided_case_is_not_reminded(
    api: RunningService, client: AsyncClient, as_: As, new_case: NewCase, clock: FakeClock
) -> None:
    case = await new_case()
    ok(
        await client.post(
            f"/cases/{case['id']}/decision",
            json={"decision": "rejected", "rationale": "Ei nyt."},
            headers=as_("p-ca-kirjasto", "change_agent"),
        )
    )
    clock.advance(days=13, hours=12)
    assert case["id"] not in (await sweep(client, as_))["reminded_case_ids"]
    assert events_of(await outbox_events(api.runtime.db, NEAR), case_id=case["id"]) == []


# --- Replicas ---------------------------------------------------------------------------------


async def test_replicas_sweeping_at_once_remind_each_step_once(
    two_replicas: tuple[Database, Database],
) -> None:
    first, second = two_replicas
    clock = FakeClock(datetime(2025, 1, 6, 8, tzinfo=UTC))
    deliver = org_delivery(first, settings=review_settings(), clock=clock)
    await deliver.all(ORG)
    for n in range(12):
        await deliver(idea(f"i-soon-{n}"))
    later = clock.now + timedelta(days=13, hours=12)

    rounds = []
    for _ in range(2):  # and once more: a re-run reminds nobody again
        results = await asyncio.gather(
            deadline_warnings.sweep(replica_at(first, later), DAY, batch=5),
            deadline_warnings.sweep(replica_at(second, later), DAY, batch=5),
        )
        rounds.append([e.case_id for result in results for e in result])
    assert len(rounds[0]) == len(set(rounds[0])) == 12 and rounds[1] == []
    async with first.transaction() as session:
        rows = await session.scalar(select(func.count()).select_from(DeadlineWarningRow))
    assert rows == 12
    assert len(await outbox_events(first, NEAR)) == 12
    # Nothing was overdue: nothing escalated.
    assert await outbox_events(first, ESCALATED) == []


async def test_the_database_refuses_a_second_reminder_of_one_deadline(
    two_replicas: tuple[Database, Database],
) -> None:
    db, _ = two_replicas
    clock = FakeClock()
    await org_delivery(db, settings=review_settings(), clock=clock)(idea("i-once"))
    async with db.transaction() as session:
        case = await session.scalar(select(CaseRow))
        assert case is not None and case.due_at is not None
        keys: dict[str, Any] = {
            "case_id": case.case_id,
            "step": case.state,
            "step_seq": case.step_seq,
            "level": 0,
            "due_at": case.due_at,
            "warned_at": clock.now,
        }
        session.add(DeadlineWarningRow(**keys))
    with pytest.raises(IntegrityError):
        async with db.transaction() as session:
            session.add(DeadlineWarningRow(**keys))
