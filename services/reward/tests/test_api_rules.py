"""The incentive rules through the HTTP API: read by four roles, changed by admins, validated."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from reward_testkit import handle, ledger_entries, running_reward, submitted

from ideapaja_reward.domain import RuleSet
from ideapaja_reward.handlers import RewardHandlers
from ideapaja_runtime.authz import Role
from ideapaja_runtime.testing import DevKeys, RunningService

READERS = {"admin", "hr", "reward_approver", "management"}
NEW_RULES: dict[str, Any] = {
    "points": {"submitted": 2, "accepted": 40, "support_received": 1},
    "cap_per_person": {"period": "quarter", "points": 500},
    "cap_per_idea": {"support_received": 10},
    "team_mode": "split",
}


@pytest.fixture
async def reward_service(
    nats_url: str, database_url: str, dev_keys: DevKeys
) -> AsyncIterator[RunningService]:
    rules = {"submitted": 3, "accepted": 30}
    async with running_reward(nats_url, database_url, dev_keys, points_rules=rules) as running:
        yield running


def admin(dev_keys: DevKeys) -> dict[str, str]:
    return dev_keys.headers("p-admin", "admin")


async def test_the_first_version_is_the_settings(
    reward_service: RunningService, dev_keys: DevKeys
) -> None:
    response = await reward_service.client.get("/rules", headers=admin(dev_keys))
    assert response.status_code == 200
    body = response.json()
    assert body["version"] == 1
    assert body["created_by"] == "settings"
    assert body["rules"]["points"] == {"submitted": 3, "accepted": 30}
    assert body["rules"]["team_mode"] == "shared"
    assert "IDEAPAJA_REWARD_POINTS_RULES" in body["reason"]


async def test_rules_are_read_by_admins_hr_reward_approvers_and_management(
    reward_service: RunningService, dev_keys: DevKeys
) -> None:
    for role in [r.value for r in Role]:
        for path in ["/rules", "/rules/versions"]:
            response = await reward_service.client.get(
                path, headers=dev_keys.headers("p-9999", role)
            )
            assert response.status_code == (200 if role in READERS else 403), (role, path)


async def test_an_admin_changes_the_rules_and_every_version_is_kept(
    reward_service: RunningService, dev_keys: DevKeys
) -> None:
    client = reward_service.client
    created = await client.post(
        "/rules/versions",
        json={"rules": NEW_RULES, "reason": "  Tukien palkitseminen kokeiluun  "},
        headers=admin(dev_keys),
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert (body["version"], body["created_by"]) == (2, "p-admin")
    assert body["reason"] == "Tukien palkitseminen kokeiluun"
    assert body["rules"]["cap_per_person"] == {"period": "quarter", "points": 500}

    current = (await client.get("/rules", headers=admin(dev_keys))).json()
    assert current == body
    await client.post(
        "/rules/versions",
        json={"rules": {"points": {"accepted": 45}}, "reason": "Takaisin perusteisiin"},
        headers=admin(dev_keys),
    )
    page = (await client.get("/rules/versions?limit=2", headers=admin(dev_keys))).json()
    assert [v["version"] for v in page["items"]] == [3, 2]
    assert page["total"] == 3
    rest = await client.get(
        f"/rules/versions?limit=2&cursor={page['next_cursor']}", headers=admin(dev_keys)
    )
    assert [v["version"] for v in rest.json()["items"]] == [1]


async def test_the_new_version_computes_what_comes_next(
    reward_service: RunningService, dev_keys: DevKeys
) -> None:
    db = reward_service.runtime.db
    await reward_service.client.get("/rules", headers=admin(dev_keys))  # version 1 is stored
    handlers = RewardHandlers(RuleSet.default())  # so a seed is not read any more
    await handle(db, handlers.on_idea_submitted, submitted(authors=["p-1001"]))
    await reward_service.client.post(
        "/rules/versions",
        json={"rules": {"points": {"submitted": 9}}, "reason": "Enemmän ideoita"},
        headers=admin(dev_keys),
    )
    await handle(db, handlers.on_idea_submitted, submitted(authors=["p-1001"]))
    assert sorted((e.points, e.rule_version) for e in await ledger_entries(db)) == [
        (3, 1),
        (9, 2),
    ]


@pytest.mark.parametrize("role", ["hr", "reward_approver", "management", "employee"])
async def test_only_admins_change_the_rules(
    reward_service: RunningService, dev_keys: DevKeys, role: str
) -> None:
    response = await reward_service.client.post(
        "/rules/versions",
        json={"rules": NEW_RULES, "reason": "x"},
        headers=dev_keys.headers("p-9999", role),
    )
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"rules": {"points": {"acepted": 5}}, "reason": "x"}, "rules.points.acepted"),
        ({"rules": {"points": {"accepted": -5}}, "reason": "x"}, "rules.points.accepted"),
        ({"rules": {"points": {"accepted": 2.5}}, "reason": "x"}, "rules.points.accepted"),
        (
            {"rules": {"cap_per_person": {"period": "week", "points": 5}}, "reason": "x"},
            "rules.cap_per_person.period",
        ),
        (
            {"rules": {"cap_per_idea": {"accepted": 5}}, "reason": "x"},
            "rules.cap_per_idea.accepted",
        ),
        ({"rules": {"team_mode": "each"}, "reason": "x"}, "rules.team_mode"),
        ({"rules": {"bonus": 1}, "reason": "x"}, "rules.bonus"),
        ({"rules": {}, "reason": "   "}, "reason"),
        ({"rules": {}, "reason": "x" * 501}, "reason"),
        ({"rules": {}}, "reason"),
    ],
)
async def test_invalid_rules_are_a_422_naming_the_rule(
    reward_service: RunningService, dev_keys: DevKeys, body: dict[str, Any], field: str
) -> None:
    response = await reward_service.client.post(
        "/rules/versions", json=body, headers=admin(dev_keys)
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    fields = [error["field"] for error in response.json()["errors"]]
    assert any(f.startswith(field) for f in fields), fields
    # Nothing was stored.
    versions = (await reward_service.client.get("/rules/versions", headers=admin(dev_keys))).json()
    assert versions["total"] == 1


async def test_a_change_made_on_an_older_version_is_a_409_and_changes_nothing(
    reward_service: RunningService, dev_keys: DevKeys
) -> None:
    """Two admins open version 1; the first saves; the second's save would undo the first's
    change unseen, so it is refused (``based_on``) and version 2 stays in force."""
    client = reward_service.client
    first = await client.post(
        "/rules/versions",
        headers=admin(dev_keys),
        json={"rules": NEW_RULES, "reason": "Kevään kampanja", "based_on": 1},
    )
    assert first.status_code == 201, first.text
    second = await client.post(
        "/rules/versions",
        headers=dev_keys.headers("p-admin-2", "admin"),
        json={"rules": {"points": {"submitted": 9}}, "reason": "Toinen", "based_on": 1},
    )
    assert second.status_code == 409, second.text
    assert "version 2" in second.json()["detail"]
    now = await client.get("/rules", headers=admin(dev_keys))
    assert now.json()["version"] == 2 and now.json()["rules"]["team_mode"] == "split"
