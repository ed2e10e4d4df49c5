"""Deadlines and escalation with controlled time: an overdue step emits CaseEscalated, climbs
unit → department → committee → admin one level per missed deadline, appears on the new
reviewers' work lists, and is escalated exactly once per level even by racing replicas."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from httpx import AsyncClient
from review_testkit import (
    ORG,
    As,
    Delivery,
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

from ideapaja_review.db.models import CaseRow, EscalationRow
from ideapaja_review.usecases import escalation
from ideapaja_runtime.db import Database
from ideapaja_runtime.testing import RunningService

ADMIN = ("p-admin", "admin")
ESCALATED = "ideapaja.review.escalated.v1"


async def sweep(client: AsyncClient, as_: As) -> list[str]:
    return list(ok(await client.post("/deadlines/sweep", headers=as_(*ADMIN)))["case_ids"])


async def test_an_overdue_screening_climbs_the_ladder_one_level_per_missed_deadline(
    api: RunningService, client: AsyncClient, as_: As, new_case: NewCase, clock: FakeClock
) -> None:
    case = await new_case(unit_id="u-kirjasto")
    case_id = case["id"]
    clock.advance(days=13, hours=23)
    assert case_id not in await sweep(client, as_)

    # Day 14: screening is overdue. It is on the work list as overdue before the sweep runs …
    clock.advance(hours=2)
    overdue = ok(
        await client.get("/cases?overdue=true", headers=as_("p-ca-kirjasto", "change_agent"))
    )
    assert case_id in {c["id"] for c in overdue["items"]}
    # … and the sweep escalates it to the department.
    assert case_id in await sweep(client, as_)
    [first] = events_of(await outbox_events(api.runtime.db, ESCALATED), case_id=case_id)
    assert {k: first[k] for k in ("step", "level", "escalated_to", "added_reviewer_ids")} == {
        "step": "screening",
        "level": 1,
        "escalated_to": "department",
        "added_reviewer_ids": ["p-ca-sivistys", "p-sup-sivistys"],
    }
    missed = datetime.fromisoformat(first["due_at"].replace("Z", "+00:00"))
    assert missed == datetime.fromisoformat(case["due_at"])
    assert first["reviewer_ids"] == [
        "p-ca-kirjasto",
        "p-ca-sivistys",
        "p-sup-kirjasto",
        "p-sup-sivistys",
    ]

    detail = ok(await client.get(f"/cases/{case_id}", headers=as_("p-ca-sivistys", "change_agent")))
    assert (detail["escalation_level"], detail["escalated"], detail["overdue"]) == (1, True, False)
    assert detail["history"][-1]["action"] == "escalated"
    assert detail["history"][-1]["actor_id"] is None
    escalated_list = ok(
        await client.get("/cases?escalated=true", headers=as_("p-sup-sivistys", "supervisor"))
    )
    assert [c["id"] for c in escalated_list["items"]] == [case_id]

    # The same moment again: nothing more (one escalation per level and missed deadline).
    assert case_id not in await sweep(client, as_)
    # The department gets escalation_days (7) before the committee.
    clock.advance(days=6)
    assert case_id not in await sweep(client, as_)
    clock.advance(days=1, minutes=1)
    assert case_id in await sweep(client, as_)
    clock.advance(days=7, minutes=1)
    assert case_id in await sweep(client, as_)
    clock.advance(days=30)
    assert case_id not in await sweep(client, as_)  # admins are the top

    events = events_of(await outbox_events(api.runtime.db, ESCALATED), case_id=case_id)
    assert [(e["level"], e["escalated_to"]) for e in events] == [
        (1, "department"),
        (2, "committee"),
        (3, "admin"),
    ]
    assert set(events[1]["added_reviewer_ids"]) == {
        "p-com-1",
        "p-com-2",
        "p-com-3",
        "p-com-4",
        "p-com-5",
    }
    assert events[2]["added_reviewer_ids"] == [] and events[2]["next_due_at"] is None
    admin_view = ok(
        await client.get(
            "/cases",
            params={"escalated": "true", "overdue": "true", "limit": 100},
            headers=as_(*ADMIN),
        )
    )
    assert case_id in {c["id"] for c in admin_view["items"]}

    # Someone the escalation brought in decides; a decided case has no deadline.
    ok(
        await client.post(
            f"/cases/{case_id}/decision",
            json={"decision": "accepted", "rationale": "Vihdoin."},
            headers=as_("p-ca-sivistys", "change_agent"),
        )
    )
    done = ok(await client.get(f"/cases/{case_id}", headers=as_(*ADMIN)))
    assert (done["due_at"], done["overdue"]) == (None, False)


async def test_a_new_step_starts_a_new_deadline_at_its_own_level(
    api: RunningService, client: AsyncClient, as_: As, new_case: NewCase, clock: FakeClock
) -> None:
    case = await new_case()
    clock.advance(days=15)
    assert case["id"] in await sweep(client, as_)
    accepted = ok(
        await client.post(
            f"/cases/{case['id']}/accept-for-review",
            json={},
            headers=as_("p-ca-kirjasto", "change_agent"),
        )
    )
    assert (accepted["escalation_level"], accepted["escalated"], accepted["overdue"]) == (
        0,
        False,
        False,
    )
    due = datetime.fromisoformat(accepted["due_at"])
    assert due - clock.now == pytest.approx(timedelta(days=60), abs=timedelta(seconds=1))
    clock.advance(days=61)
    assert case["id"] in await sweep(client, as_)
    [_, in_review] = events_of(await outbox_events(api.runtime.db, ESCALATED), case_id=case["id"])
    assert (in_review["step"], in_review["level"]) == ("in_review", 1)


async def test_a_department_that_does_not_escalate_only_flags_overdue(
    api: RunningService, client: AsyncClient, as_: As, new_case: NewCase, clock: FakeClock
) -> None:
    ok(await client.put("/routing-rules/d-tekninen", json={"escalate": False}, headers=as_(*ADMIN)))
    try:
        case = await new_case(unit_id="u-puisto")
        clock.advance(days=20)
        assert case["id"] not in await sweep(client, as_)
        flagged = ok(await client.get(f"/cases/{case['id']}", headers=as_(*ADMIN)))
        assert (flagged["overdue"], flagged["escalated"]) == (True, False)
    finally:
        await client.delete("/routing-rules/d-tekninen", headers=as_(*ADMIN))


# --- Replicas ---------------------------------------------------------------------------------


def delivery(db: Database, clock: FakeClock) -> Delivery:
    return org_delivery(db, settings=review_settings(), clock=clock)


async def test_replicas_sweeping_at_once_escalate_each_step_once(
    two_replicas: tuple[Database, Database],
) -> None:
    first, second = two_replicas
    clock = FakeClock(datetime(2025, 1, 6, 8, tzinfo=UTC))
    deliver = delivery(first, clock)
    await deliver.all(ORG)
    for n in range(12):
        await deliver(idea(f"i-late-{n}"))
    later = clock.now + timedelta(days=15)

    results = await asyncio.gather(
        escalation.sweep(replica_at(first, later), batch=5),
        escalation.sweep(replica_at(second, later), batch=5),
    )
    escalated = [e.case_id for result in results for e in result]
    assert len(escalated) == len(set(escalated)) == 12
    async with first.transaction() as session:
        rows = await session.scalar(select(func.count()).select_from(EscalationRow))
        levels = set((await session.scalars(select(CaseRow.escalation_level))).all())
    assert rows == 12 and levels == {1}
    assert len(await outbox_events(first, ESCALATED)) == 12


async def test_the_database_refuses_a_second_escalation_to_the_same_level(
    two_replicas: tuple[Database, Database],
) -> None:
    db, _ = two_replicas
    clock = FakeClock()
    await delivery(db, clock)(idea("i-unique"))
    async with db.transaction() as session:
        case = await session.scalar(select(CaseRow))
        assert case is not None
        keys: dict[str, Any] = {
            "case_id": case.case_id,
            "step": "screening",
            "step_seq": case.step_seq,
            "level": 1,
            "target": "department",
            "missed_due_at": clock.now,
            "escalated_at": clock.now,
            "added_reviewer_ids": [],
        }
        session.add(EscalationRow(**keys))
    with pytest.raises(IntegrityError):
        async with db.transaction() as session:
            session.add(EscalationRow(**keys))
