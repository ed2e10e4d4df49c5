"""HR's corrections of the ledger: compensating entries with a reason and an actor."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from reward_testkit import decided, handle, outbox_events, running_reward, submitted

from ideapaja_contracts.events.reward import PointsAwarded, RewardGranted
from ideapaja_reward.domain import RuleSet, entry_id
from ideapaja_reward.handlers import RewardHandlers
from ideapaja_runtime.authz import Role
from ideapaja_runtime.testing import DevKeys, RunningService

IDEA = "i-korjattava"
ACCEPTED = entry_id(IDEA, "p-1001", "accepted")


@pytest.fixture
async def reward_service(
    nats_url: str, database_url: str, dev_keys: DevKeys
) -> AsyncIterator[RunningService]:
    async with running_reward(nats_url, database_url, dev_keys) as running:
        handlers = RewardHandlers(RuleSet.default())
        db = running.runtime.db
        await handle(db, handlers.on_idea_submitted, submitted(IDEA, authors=["p-1001"]))
        await handle(db, handlers.on_review_decided, decided(IDEA))
        yield running


async def post(
    running: RunningService, dev_keys: DevKeys, body: dict[str, Any], role: str = "hr"
) -> Any:
    return await running.client.post(
        "/ledger/corrections", json=body, headers=dev_keys.headers("p-hr", role)
    )


async def ledger(running: RunningService, dev_keys: DevKeys) -> dict[str, Any]:
    response = await running.client.get(
        "/ledger/p-1001?limit=100", headers=dev_keys.headers("p-hr", "hr")
    )
    body: dict[str, Any] = response.json()
    return body


async def test_a_correction_is_a_new_entry_with_reason_and_actor(
    reward_service: RunningService, dev_keys: DevKeys
) -> None:
    response = await post(
        reward_service,
        dev_keys,
        {
            "person_id": "p-1001",
            "points": -20,
            "reason": "Päällekkäinen idea",
            "entry_id": ACCEPTED,
        },
    )
    assert response.status_code == 201, response.text
    entry = response.json()
    assert entry["id"].startswith("pc-")
    assert (entry["rule"], entry["points"], entry["rule_version"]) == ("correction", -20, None)
    assert (entry["note"], entry["actor_id"], entry["corrects_entry_id"]) == (
        "Päällekkäinen idea",
        "p-hr",
        ACCEPTED,
    )
    assert entry["idea_id"] == IDEA

    mine = await ledger(reward_service, dev_keys)
    # The entry corrected is unchanged; the total is the sum of every entry.
    assert {e["id"]: e["points"] for e in mine["items"]}[ACCEPTED] == 50
    assert mine["total_points"] == sum(e["points"] for e in mine["items"]) == 5 + 50 - 20

    db = reward_service.runtime.db
    [announced] = [a for a in await outbox_events(db, PointsAwarded) if a["rule"] == "correction"]
    assert (announced["points"], announced["corrects_entry_id"]) == (-20, ACCEPTED)
    assert announced["ce-id"] == entry["id"]
    # A correction is no reward: nothing goes to payroll.
    assert all(g["points"] > 0 for g in await outbox_events(db, RewardGranted))


async def test_points_added_for_an_idea(reward_service: RunningService, dev_keys: DevKeys) -> None:
    response = await post(
        reward_service,
        dev_keys,
        {"person_id": "p-1001", "points": 15, "reason": "Unohtunut kokeilu", "idea_id": IDEA},
        role="admin",
    )
    assert response.status_code == 201
    assert (await ledger(reward_service, dev_keys))["total_points"] == 70


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"points": 0, "reason": "x", "entry_id": ACCEPTED}, 422, "points"),
        ({"points": -1_000_001, "reason": "x", "entry_id": ACCEPTED}, 422, "points"),
        ({"points": 5, "reason": " ", "entry_id": ACCEPTED}, 422, "reason"),
        ({"points": 5, "reason": "x" * 501, "entry_id": ACCEPTED}, 422, "reason"),
        ({"points": 5, "entry_id": ACCEPTED}, 422, "reason"),
        ({"points": 5, "reason": "x"}, 422, "idea_id"),
        # More than the entry still credits.
        ({"points": -51, "reason": "x", "entry_id": ACCEPTED}, 422, "points"),
        ({"points": 5, "reason": "x", "entry_id": ACCEPTED, "idea_id": "i-other"}, 422, "idea_id"),
        ({"points": 5, "reason": "x", "entry_id": "pe-nothing"}, 404, None),
        ({"points": 5, "reason": "x", "idea_id": "i-nothing"}, 404, None),
        ({"points": 5, "reason": "x", "idea_id": IDEA, "person_id": "p-2002"}, 422, "person_id"),
        (
            {"points": 5, "reason": "x", "entry_id": ACCEPTED, "person_id": "p-2002"},
            422,
            "entry_id",
        ),
        ({"points": 5, "reason": "x", "idea_id": IDEA, "person_id": "not an id"}, 422, "person_id"),
    ],
)
async def test_bad_corrections_are_refused_and_change_nothing(
    reward_service: RunningService,
    dev_keys: DevKeys,
    body: dict[str, Any],
    status: int,
    field: str | None,
) -> None:
    response = await post(reward_service, dev_keys, {"person_id": "p-1001", **body})
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    if field is not None:
        assert field in [error["field"] for error in response.json()["errors"]]
    assert (await ledger(reward_service, dev_keys))["total_points"] == 55


async def test_a_second_correction_takes_only_what_is_left(
    reward_service: RunningService, dev_keys: DevKeys
) -> None:
    take = {"person_id": "p-1001", "reason": "Virhe", "entry_id": ACCEPTED}
    assert (await post(reward_service, dev_keys, {**take, "points": -30})).status_code == 201
    assert (await post(reward_service, dev_keys, {**take, "points": -21})).status_code == 422
    assert (await post(reward_service, dev_keys, {**take, "points": -20})).status_code == 201
    assert (await ledger(reward_service, dev_keys))["total_points"] == 5


async def test_only_hr_and_admins_correct(
    reward_service: RunningService, dev_keys: DevKeys
) -> None:
    body = {"person_id": "p-1001", "points": 1, "reason": "x", "idea_id": IDEA}
    for role in [r.value for r in Role]:
        response = await post(reward_service, dev_keys, body, role=role)
        assert response.status_code == (201 if role in {"hr", "admin"} else 403), role
