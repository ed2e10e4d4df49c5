"""An invitation made with the submission can be accepted after the reward service's automatic
points for submitting (granted seconds later: found in Chromium, where every such acceptance was
refused as "already rewarded"), and no longer once the idea was awarded; SQLite and PostgreSQL."""

from __future__ import annotations

from decimal import Decimal

from intake_testkit import AUTHOR, COLLEAGUE, assert_problem, idea_payload
from person_history import deliver

from ideapaja_contracts import encode
from ideapaja_contracts.events.reward import RewardGranted, RewardKind
from ideapaja_intake.usecases.timeline import on_reward_granted
from ideapaja_runtime.testing import DevKeys, RunningService


async def granted(running: RunningService, idea_id: str, kind: RewardKind, n: int) -> None:
    event = RewardGranted(idea_id=idea_id, grant_id=f"g-{n}", person_id=AUTHOR, kind=kind,
                          amount=Decimal(0 if kind == RewardKind.POINTS else 50), points=5,
                          reason="submitted")  # fmt: skip
    await deliver(running.runtime, on_reward_granted, event, encode(event, source="/t").envelope)


async def invited_idea(running: RunningService, dev_keys: DevKeys) -> str:
    response = await running.client.post(
        "/ideas",
        json=idea_payload(co_author_ids=[COLLEAGUE, "p-1003"]),
        headers=dev_keys.headers(AUTHOR, "employee"),
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def test_points_for_submitting_leave_the_invitation_open_an_award_closes_it(
    org_any_db: RunningService, dev_keys: DevKeys
) -> None:
    idea_id = await invited_idea(org_any_db, dev_keys)
    await granted(org_any_db, idea_id, RewardKind.POINTS, 1)
    confirm = f"/ideas/{idea_id}/co-authors/{COLLEAGUE}/confirm"
    accepted = await org_any_db.client.post(
        confirm, headers=dev_keys.headers(COLLEAGUE, "employee")
    )
    assert accepted.status_code == 200, accepted.text
    await granted(org_any_db, idea_id, RewardKind.MONEY, 2)
    late = await org_any_db.client.post(
        f"/ideas/{idea_id}/co-authors/p-1003/confirm",
        headers=dev_keys.headers("p-1003", "employee"),
    )
    assert "awarded" in assert_problem(late, 409)["detail"]
    invite = await org_any_db.client.post(
        f"/ideas/{idea_id}/co-authors",
        json={"person_id": "p-2001"},
        headers=dev_keys.headers(AUTHOR, "employee"),
    )
    assert_problem(invite, 409)
