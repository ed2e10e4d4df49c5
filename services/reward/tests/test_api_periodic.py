"""Periodic award rounds over HTTP, on SQLite and PostgreSQL: opening, nominating within the
period, one vote per committee member, the chair's decision and what it grants and announces."""

from __future__ import annotations

from typing import Any

import pytest
from activity_testkit import idea, seeded_city, utc
from reward_testkit import grants, ledger_entries, outbox_events

from ideapaja_contracts.events.reward import PeriodicAwardDecided, PointsAwarded, RewardGranted
from ideapaja_reward.db.models import RewardGrant
from ideapaja_reward.usecases import periodic
from ideapaja_runtime.auth import Principal
from ideapaja_runtime.db import Database
from ideapaja_runtime.testing import DevKeys, RunningService, uow_in

CHAIR = ("p-chair", "committee_member", "management")


@pytest.fixture
async def city(city: RunningService) -> RunningService:
    """conftest's city, with i-4: an anonymous idea of the swimming hall's p-7, in February too."""
    db, outbox = city.runtime.db, city.runtime.outbox
    await idea(db, "i-4", "u-uimahalli", ["p-7"], utc(2025, 2, 20), anonymous=True, outbox=outbox)
    return city


class Caller:
    def __init__(self, running: RunningService, dev_keys: DevKeys) -> None:
        self.client, self.keys = running.client, dev_keys

    async def __call__(
        self, method: str, path: str, who: tuple[str, ...], body: Any = None, status: int = 200
    ) -> Any:
        response = await self.client.request(
            method, path, json=body, headers=self.keys.headers(*who)
        )
        assert response.status_code == status, response.text
        if status >= 400:
            assert response.headers["content-type"] == "application/problem+json"
        return response.json()

    async def open_round(
        self, who: tuple[str, ...], kind: str, period: str, status: int = 201
    ) -> Any:
        return await self("POST", "/award-rounds", who, {"kind": kind, "period": period}, status)


async def periodic_grants(db: Database) -> list[RewardGrant]:
    """The grants the rounds made."""
    return [g for g in await grants(db) if g.origin.startswith("periodic:")]


async def test_idea_of_the_month_from_nomination_to_grant(
    city: RunningService, dev_keys: DevKeys
) -> None:
    call = Caller(city, dev_keys)
    member = ("p-c1", "committee_member")
    opened = await call.open_round(member, "idea_of_the_month", "2025-02")
    path = f"/award-rounds/{opened['id']}"
    assert (opened["status"], opened["period"], opened["candidates"]) == ("open", "2025-02", [])
    again = await call.open_round(member, "idea_of_the_month", "2025-02", 409)
    assert opened["id"] in again["detail"]
    await call.open_round(member, "idea_of_the_month", "2025", 422)

    # Any employee nominates an idea of the period, once; i-2 is March's in Helsinki.
    employee = ("p-5", "employee")
    await call("POST", f"{path}/nominations", employee, {"idea_id": "i-1", "reason": "Hyvä"}, 201)
    await call("POST", f"{path}/nominations", employee, {"idea_id": "i-1", "reason": "Taas"}, 409)
    outside = await call(
        "POST", f"{path}/nominations", employee, {"idea_id": "i-2", "reason": "x"}, 422
    )
    assert "outside the round's period 2025-02" in outside["detail"]
    await call("POST", f"{path}/nominations", employee, {"unit_id": "u-koulu", "reason": "x"}, 422)
    detail = await call(
        "POST",
        f"{path}/nominations",
        ("p-6", "employee"),
        {"idea_id": "i-4", "reason": "Rohkea"},
        201,
    )
    assert {c["idea_id"]: c["title"] for c in detail["candidates"]} == {
        "i-1": "Omatoimikirjasto iltaisin",
        "i-4": "Omatoimikirjasto iltaisin",
    }
    assert "p-7" not in str(detail)  # the anonymous idea's author is never shown

    # Committee members vote once each (changeable); nobody else votes.
    await call("POST", f"{path}/votes", employee, {"idea_id": "i-1"}, 403)
    await call("POST", f"{path}/votes", member, {"idea_id": "i-1"}, 201)
    await call("POST", f"{path}/votes", member, {"idea_id": "i-4"}, 409)
    await call("PUT", f"{path}/votes/mine", member, {"idea_id": "i-4"})
    not_nominated = await call(
        "POST", f"{path}/votes", ("p-c2", "committee_member"), {"idea_id": "i-3"}, 422
    )
    assert "not nominated" in not_nominated["detail"]
    tied = await call(
        "POST", f"{path}/votes", ("p-c2", "committee_member"), {"idea_id": "i-1"}, 201
    )
    assert {c["idea_id"]: c["votes"] for c in tied["candidates"]} == {"i-1": 1, "i-4": 1}
    assert tied["votes"] is None and tied["my_vote"] == "i-1"
    as_admin = await call("GET", path, ("p-a", "admin"))
    assert {v["voter_id"]: v["candidate_id"] for v in as_admin["votes"]} == {
        "p-c1": "i-4",
        "p-c2": "i-1",
    }

    # The chair decides: a plain committee member may not; a tie needs the winner named.
    refused = await call("POST", f"{path}/decision", member, {"idea_id": "i-4"}, 403)
    assert refused["reason"] == "object"
    tie = await call("POST", f"{path}/decision", CHAIR, {}, 422)
    assert "tied" in tie["detail"]
    await call("POST", f"{path}/decision", CHAIR, {"idea_id": "i-3"}, 422)
    decided = await call("POST", f"{path}/decision", CHAIR, {"idea_id": "i-4", "note": "Rohkea"})
    assert (decided["status"], decided["winner_idea_id"], decided["points"]) == (
        "decided",
        "i-4",
        200,
    )

    # Closed: no more votes, nominations or decisions.
    for method, suffix, body in [
        ("PUT", "/votes/mine", {"idea_id": "i-1"}),
        ("POST", "/nominations", {"idea_id": "i-1", "reason": "x"}),
        ("POST", "/decision", {"idea_id": "i-1"}),
    ]:
        await call(method, path + suffix, CHAIR if "decision" in suffix else member, body, 409)

    db = city.runtime.db
    (grant,) = [g for g in await grants(db) if g.origin == f"periodic:{opened['id']}"]
    assert (grant.person_id, grant.kind, grant.points) == ("p-7", "recognition", 200)
    (entry,) = [e for e in await ledger_entries(db) if e.rule == "idea_of_the_month"]
    assert (entry.person_id, entry.points, entry.unit_id) == ("p-7", 200, "u-uimahalli")
    granted = [g for g in await outbox_events(db, RewardGranted) if g["grant_id"] == grant.grant_id]
    assert granted[0]["reason_code"] == "idea_of_the_month"
    assert any(p["entry_id"] == entry.entry_id for p in await outbox_events(db, PointsAwarded))
    (announced,) = await outbox_events(db, PeriodicAwardDecided)
    assert announced["award"] == "idea_of_the_month"
    assert (announced["idea_id"], announced["recipient_ids"], announced["anonymous"]) == (
        "i-4",
        ["p-7"],
        True,
    )

    # Granting again (a replay) changes nothing: one grant per round and person.
    async with db.transaction() as session:
        uow = uow_in(
            session, city.runtime.settings, actor=Principal("p-chair", frozenset(), frozenset())
        )
        found = await periodic.find_round(uow, opened["id"])
        stored = await session.get(periodic.RewardIdea, "i-4")
        assert stored is not None
        await periodic._recognise(uow, found, stored, "p-7", 200)
    assert len(await periodic_grants(db)) == 1

    listed = await call("GET", "/award-rounds?status=decided", employee)
    assert [r["id"] for r in listed["items"]] == [opened["id"]]
    assert (await call("GET", "/award-rounds?kind=unit_of_the_year", employee))["items"] == []


async def test_unit_of_the_year_is_ranked_and_decided_without_grants(
    city: RunningService, dev_keys: DevKeys
) -> None:
    call = Caller(city, dev_keys)
    opened = await call.open_round(("p-a", "admin"), "unit_of_the_year", "2025")
    ranking = opened["ranking"]
    # The library: 3 authors of 4 people; the school 1 of 2; the swimming hall 1 of 1.
    assert [(r["rank"], r["unit_id"]) for r in ranking] == [
        (1, "u-uimahalli"),
        (2, "u-kirjasto"),
        (3, "u-koulu"),
    ]
    assert ranking[1]["figures"]["authors_per_100"] == 75.0
    path = f"/award-rounds/{opened['id']}"
    await call(
        "POST", f"{path}/nominations", ("p-1", "employee"), {"idea_id": "i-1", "reason": "x"}, 422
    )
    await call(
        "POST",
        f"{path}/nominations",
        ("p-1", "employee"),
        {"unit_id": "u-nowhere", "reason": "x"},
        422,
    )
    await call(
        "POST", f"{path}/votes", ("p-c1", "committee_member"), {"unit_id": "u-kirjasto"}, 201
    )
    # d-sivistys has nobody of its own: neither ranked nor nominated.
    await call("POST", f"{path}/decision", ("p-a", "admin"), {"unit_id": "d-sivistys"}, 422)
    decided = await call("POST", f"{path}/decision", ("p-a", "admin"), {})
    assert (decided["winner_unit_id"], decided["points"]) == ("u-kirjasto", 0)
    (announced,) = await outbox_events(city.runtime.db, PeriodicAwardDecided)
    assert (announced["unit_id"], announced["idea_id"], announced["recipient_ids"]) == (
        "u-kirjasto",
        None,
        [],
    )
    assert not await periodic_grants(city.runtime.db)


async def test_an_award_set_to_no_points_is_a_recognition_alone(
    nats_url: str, sqlite_url: str, dev_keys: DevKeys
) -> None:
    points = {"idea_of_the_year": 0}
    async with seeded_city(nats_url, sqlite_url, dev_keys, periodic_points=points) as running:
        call = Caller(running, dev_keys)
        opened = await call.open_round(("p-a", "admin"), "idea_of_the_year", "2025")
        path = f"/award-rounds/{opened['id']}"
        await call(
            "POST",
            f"{path}/nominations",
            ("p-1", "employee"),
            {"idea_id": "i-1", "reason": "x"},
            201,
        )
        await call("POST", f"{path}/decision", ("p-a", "admin"), {"idea_id": "i-1"})
        awarded = await periodic_grants(running.runtime.db)
        assert sorted((g.person_id, g.points, g.ledger_entry_id) for g in awarded) == [
            ("p-1", 0, None),
            ("p-2", 0, None),
        ]
        entries = await ledger_entries(running.runtime.db)
        assert not [e for e in entries if e.rule == "idea_of_the_year"]
