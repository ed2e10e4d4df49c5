"""The HTTP API per role (401/403/200), and what it answers, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta, timezone

import pytest
from reward_testkit import (
    adopted,
    decided,
    handle,
    implemented,
    new_rules,
    running_reward,
    submitted,
)

from ideapaja_reward.domain import RuleSet, entry_id, grant_id
from ideapaja_reward.handlers import RewardHandlers
from ideapaja_runtime.authz import Role
from ideapaja_runtime.testing import DevKeys, RunningService

KIRJASTO = "u-kirjasto"
UIMAHALLI = "u-uimahalli"


async def seed(running: RunningService) -> None:
    """p-1001 and p-1002 co-author an accepted, implemented idea in the library; p-1003 has an
    idea submitted at the swimming hall."""
    runtime = running.runtime
    handlers = RewardHandlers(RuleSet.default())
    shared = submitted("i-shared", authors=["p-1001", "p-1002"], unit_id=KIRJASTO)
    other = submitted("i-other", authors=["p-1003"], unit_id=UIMAHALLI)
    for handler, event in [
        (handlers.on_idea_submitted, shared),
        (handlers.on_idea_submitted, other),
        (handlers.on_review_decided, decided("i-shared")),
        (handlers.on_implementation_completed, implemented("i-shared")),
    ]:
        await handle(runtime.db, handler, event, outbox=runtime.outbox)


@asynccontextmanager
async def seeded(
    nats_url: str, database_url: str, dev_keys: DevKeys
) -> AsyncIterator[RunningService]:
    async with running_reward(nats_url, database_url, dev_keys) as running:
        await seed(running)
        yield running


@pytest.fixture
async def reward_service(
    nats_url: str, sqlite_url: str, dev_keys: DevKeys
) -> AsyncIterator[RunningService]:
    """The seeded service on SQLite (who may call what)."""
    async with seeded(nats_url, sqlite_url, dev_keys) as running:
        yield running


ALL_ROLES = [role.value for role in Role]


def expected(role: str, allowed: set[str]) -> int:
    return 200 if role in allowed else 403


# --- who may call what --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/ledger/me",
        "/ledger/p-1001",
        "/grants",
        f"/units/{KIRJASTO}/activity",
        f"/units/{KIRJASTO}/ledger",
        "/rules",
        "/rules/versions",
    ],
)
async def test_every_endpoint_needs_a_valid_token(
    reward_service: RunningService, dev_keys: DevKeys, path: str
) -> None:
    client = reward_service.client
    missing = await client.get(path)
    assert missing.status_code == 401
    assert missing.headers["content-type"] == "application/problem+json"
    forged = DevKeys().headers("p-1001", "admin", units=[KIRJASTO])  # signed by another key
    assert (await client.get(path, headers=forged)).status_code == 401
    assert (await client.get(path, headers={"Authorization": "Basic eDp5"})).status_code == 401


async def test_my_ledger_is_open_to_every_role(
    reward_service: RunningService, dev_keys: DevKeys
) -> None:
    for role in ALL_ROLES:
        response = await reward_service.client.get(
            "/ledger/me", headers=dev_keys.headers("p-1001", role)
        )
        assert response.status_code == 200, role
        assert response.json()["id"] == "p-1001"


async def test_another_persons_ledger_is_for_hr_reward_approvers_and_admins(
    reward_service: RunningService, dev_keys: DevKeys
) -> None:
    for role in ALL_ROLES:
        response = await reward_service.client.get(
            "/ledger/p-1001", headers=dev_keys.headers("p-9999", role)
        )
        assert response.status_code == expected(role, {"hr", "reward_approver", "admin"}), role
        if response.status_code == 403:
            assert response.headers["content-type"] == "application/problem+json"
    # Anyone may read their own ledger by id.
    own = await reward_service.client.get(
        "/ledger/p-1001", headers=dev_keys.headers("p-1001", "employee")
    )
    assert own.status_code == 200
    assert own.json()["total_points"] == 155


async def test_grants_are_for_hr_and_admins(
    reward_service: RunningService, dev_keys: DevKeys
) -> None:
    for role in ALL_ROLES:
        response = await reward_service.client.get(
            "/grants", headers=dev_keys.headers("p-9999", role)
        )
        assert response.status_code == expected(role, {"hr", "admin"}), role


@pytest.mark.parametrize(
    ("what", "readers"),
    [
        ("activity", {"management", "admin", "hr", "supervisor"}),
        ("ledger", {"management", "admin", "supervisor"}),
    ],
)
async def test_unit_activity_and_ledger_are_for_their_readers_and_the_units_supervisors(
    reward_service: RunningService, dev_keys: DevKeys, what: str, readers: set[str]
) -> None:
    path = f"/units/{KIRJASTO}/{what}"
    for role in ALL_ROLES:
        response = await reward_service.client.get(
            path, headers=dev_keys.headers("p-9999", role, units=[KIRJASTO])
        )
        assert response.status_code == expected(role, readers), role
    elsewhere = await reward_service.client.get(
        path, headers=dev_keys.headers("p-9999", "supervisor", units=[UIMAHALLI])
    )
    assert elsewhere.status_code == 403
    city_wide = await reward_service.client.get(
        path, headers=dev_keys.headers("p-9999", "management", units=[UIMAHALLI])
    )
    assert city_wide.status_code == 200


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/ledger/me?limit=0", "limit"),
        ("/ledger/me?limit=101", "limit"),
        ("/ledger/me?cursor=not-a-cursor", "cursor"),
        ("/ledger/p.1001", "person_id"),
        ("/ledger/" + "p" * 65, "person_id"),
        ("/grants?granted_from=yesterday", "granted_from"),
        ("/grants?since=2025-01-01", "since"),
        ("/grants?limit=-1", "limit"),
        ("/units/u*kirjasto/activity", "unit_id"),
        ("/units/u*kirjasto/ledger", "unit_id"),
        ("/rules/versions?limit=101", "limit"),
    ],
)
async def test_invalid_input_is_a_422_problem(
    reward_service: RunningService, dev_keys: DevKeys, path: str, field: str
) -> None:
    headers = dev_keys.headers("p-1001", "admin", "hr")
    response = await reward_service.client.get(path, headers=headers)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert field in response.json()["detail"]


# --- what it answers ----------------------------------------------------------------------------


@pytest.fixture
async def seeded_service(
    nats_url: str, database_url: str, dev_keys: DevKeys
) -> AsyncIterator[RunningService]:
    """The seeded service on SQLite and PostgreSQL (what it answers)."""
    async with seeded(nats_url, database_url, dev_keys) as running:
        yield running


async def test_ledger_total_and_entries(seeded_service: RunningService, dev_keys: DevKeys) -> None:
    client = seeded_service.client
    mine = (await client.get("/ledger/me", headers=dev_keys.headers("p-1002", "employee"))).json()
    assert mine["total_points"] == 5 + 50 + 100
    assert mine["total"] == 3
    assert mine["next_cursor"] is None
    assert [e["rule"] for e in mine["items"]] == ["implemented", "accepted", "submitted"]
    assert {e["idea_title"] for e in mine["items"]} == {"Omatoimikirjasto iltaisin"}
    assert {e["unit_id"] for e in mine["items"]} == {KIRJASTO}
    assert {e["id"] for e in mine["items"]} == {
        entry_id("i-shared", "p-1002", rule) for rule in ("submitted", "accepted", "implemented")
    }

    # The limit caps the entries listed, never the totals; the cursor pages through the rest.
    rules: list[str] = []
    cursor: str | None = None
    for _ in range(5):
        params = {"limit": "1"} | ({"cursor": cursor} if cursor else {})
        limited = (
            await client.get(
                "/ledger/me", params=params, headers=dev_keys.headers("p-1002", "employee")
            )
        ).json()
        assert (limited["total_points"], limited["total"], limited["limit"]) == (155, 3, 1)
        rules += [e["rule"] for e in limited["items"]]
        cursor = limited["next_cursor"]
        if cursor is None:
            break
    assert rules == ["implemented", "accepted", "submitted"]

    nobody = await client.get("/ledger/p-4040", headers=dev_keys.headers("p-1", "hr"))
    assert nobody.json() == {
        "id": "p-4040",
        "total_points": 0,
        "items": [],
        "total": 0,
        "total_exact": True,
        "limit": 50,
        "next_cursor": None,
    }


async def test_grants_oldest_first_a_page_at_a_time(
    seeded_service: RunningService, dev_keys: DevKeys
) -> None:
    client = seeded_service.client
    hr = dev_keys.headers("p-5001", "hr")
    everything = (await client.get("/grants", headers=hr)).json()
    assert len(everything["items"]) == 7  # 3 submissions, 2 acceptances, 2 implementations
    assert (everything["total"], everything["limit"], everything["next_cursor"]) == (7, 50, None)
    accepted = [g for g in everything["items"] if g["reason"] == "Idea accepted"]
    assert {(g["person_id"], g["points"]) for g in accepted} == {("p-1001", 50), ("p-1002", 50)}
    assert accepted[0]["id"] == grant_id("i-shared", accepted[0]["person_id"], "accepted")
    assert accepted[0]["origin"] == "rule:accepted"
    assert accepted[0]["kind"] == "points"
    assert accepted[0]["amount"] == "0.00"
    assert accepted[0]["currency"] is None
    times = [datetime.fromisoformat(g["granted_at"]) for g in everything["items"]]
    assert times == sorted(times)
    assert all(t.tzinfo is not None for t in times)

    future = (datetime.now(UTC) + timedelta(minutes=1)).isoformat()
    later = await client.get("/grants", params={"granted_from": future}, headers=hr)
    assert later.json() == {
        "items": [],
        "total": 0,
        "total_exact": True,
        "limit": 50,
        "next_cursor": None,
    }

    # Following next_cursor lists every grant once, in the same order.
    seen: list[str] = []
    cursor: str | None = None
    for _ in range(20):
        params = {"limit": "3"} | ({"cursor": cursor} if cursor else {})
        page = (await client.get("/grants", params=params, headers=hr)).json()
        assert page["total"] == 7
        seen += [g["id"] for g in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [g["id"] for g in everything["items"]]

    # granted_from is inclusive: from the latest time seen, that instant's grants come again.
    last = everything["items"][-1]
    again = (
        await client.get("/grants", params={"granted_from": last["granted_at"]}, headers=hr)
    ).json()
    assert last["id"] in {g["id"] for g in again["items"]}
    assert all(g["granted_at"] >= last["granted_at"] for g in again["items"])

    # A time without a zone is UTC; an hour ago in Helsinki summer time is still in the past.
    naive_past = (datetime.now(UTC) - timedelta(hours=1)).replace(tzinfo=None).isoformat()
    naive = await client.get("/grants", params={"granted_from": naive_past}, headers=hr)
    assert len(naive.json()["items"]) == 7
    helsinki_past = (datetime.now(UTC) - timedelta(minutes=5)).astimezone(
        timezone(timedelta(hours=3))
    )
    in_helsinki = await client.get(
        "/grants", params={"granted_from": helsinki_past.isoformat()}, headers=hr
    )
    assert len(in_helsinki.json()["items"]) == 7


async def test_unit_activity_counts(seeded_service: RunningService, dev_keys: DevKeys) -> None:
    client = seeded_service.client
    headers = dev_keys.headers("p-8001", "management")
    kirjasto = (await client.get(f"/units/{KIRJASTO}/activity", headers=headers)).json()
    assert kirjasto == {
        "unit_id": KIRJASTO,
        "ideas_submitted": 1,
        "ideas_accepted": 1,
        "ideas_implemented": 1,
        "points_awarded": 2 * (5 + 50 + 100),
        "people_rewarded": 2,
    }
    uimahalli = (await client.get(f"/units/{UIMAHALLI}/activity", headers=headers)).json()
    assert (uimahalli["ideas_submitted"], uimahalli["ideas_accepted"]) == (1, 0)
    assert uimahalli["points_awarded"] == 5
    empty = (await client.get("/units/u-unknown/activity", headers=headers)).json()
    assert (empty["ideas_submitted"], empty["points_awarded"], empty["people_rewarded"]) == (
        0,
        0,
        0,
    )


async def test_a_units_ledger_holds_its_own_points_and_names_no_one(
    seeded_service: RunningService, dev_keys: DevKeys
) -> None:
    db = seeded_service.runtime.db
    await new_rules(
        db, {"points": {"practice_adopted": 10}, "unit_points": {"practice_adopted": 25}}
    )
    handlers = RewardHandlers(RuleSet.default())
    # The anonymous idea of the swimming hall spreads to the library and to youth services.
    anonymous = submitted("i-anon", authors=["p-1004"], unit_id=UIMAHALLI, anonymous=True)
    await handle(db, handlers.on_idea_submitted, anonymous)
    for unit in (KIRJASTO, "u-nuoriso"):
        await handle(db, handlers.on_practice_adopted, adopted("i-anon", unit))

    client = seeded_service.client
    headers = dev_keys.headers("p-8001", "supervisor", units=[UIMAHALLI])
    unit = (await client.get(f"/units/{UIMAHALLI}/ledger", headers=headers)).json()
    assert (unit["id"], unit["total_points"], unit["total"]) == (UIMAHALLI, 50, 2)
    assert unit["total_points"] == sum(e["points"] for e in unit["items"])
    assert {(e["rule"], e["idea_id"], e["rule_version"]) for e in unit["items"]} == {
        ("practice_adopted", "i-anon", 2)
    }
    # Nothing in it tells who wrote the anonymous idea.
    assert "p-1004" not in str(unit)
    # The unit's activity counts its own points too; its people's ledgers only theirs.
    activity = (await client.get(f"/units/{UIMAHALLI}/activity", headers=headers)).json()
    # (version 2 pays no submissions: p-1003's 5 points are from version 1)
    assert activity["points_awarded"] == 5 + 2 * 10 + 50
    author = await client.get("/ledger/me", headers=dev_keys.headers("p-1004", "employee"))
    assert author.json()["total_points"] == 2 * 10
    # The library's own ledger (it adopted, it did not spread) is empty.
    library = await client.get(
        f"/units/{KIRJASTO}/ledger", headers=dev_keys.headers("p-8001", "management")
    )
    assert (library.json()["total_points"], library.json()["items"]) == (0, [])


async def test_openapi_documents_every_route(reward_service: RunningService) -> None:
    schema = (await reward_service.client.get("/openapi.json")).json()
    for path in ["/ledger/me", "/ledger/{person_id}", "/grants", "/units/{unit_id}/activity"]:
        operation = schema["paths"][path]["get"]
        assert operation["summary"]
        assert "$ref" in str(operation["responses"]["200"])
