"""Creating a committee, or changing its members, routes the open city cases again (issue 12,
4.5): a city idea submitted before any committee existed went to everyone with the
committee_member role, and must go to the committee once there is one, as a rule change does."""

from __future__ import annotations

from typing import Any

from httpx import AsyncClient
from review_testkit import As, ok

from ideapaja_contracts.events.idea import Scope
from ideapaja_runtime.testing import RunningService

ADMIN = ("p-admin", "admin")
ROLE_HOLDERS = ["p-com-1", "p-com-2", "p-com-3", "p-com-4", "p-com-5"]


async def test_a_new_committee_and_its_member_changes_reroute_open_city_cases(
    api: RunningService, client: AsyncClient, as_: As, new_case: Any
) -> None:
    admin = as_(*ADMIN)
    screening = await new_case(scope=Scope.CITY, unit_id="u-kirjasto")
    in_review = await new_case(scope=Scope.CITY, unit_id="u-koulu")
    assert screening["reviewer_ids"] == ROLE_HOLDERS and screening["committee_id"] is None
    accept = f"/cases/{in_review['id']}/accept-for-review"
    ok(await client.post(accept, json={}, headers=as_("p-com-1", "committee_member")))

    body = {"name": "Kehittämistoimikunta", "city_wide": True, "quorum": 2}
    committee = ok(await client.post("/committees", json=body, headers=admin), 201)
    members = f"/committees/{committee['id']}/members"
    for person_id, role in [("p-com-1", "chair"), ("p-com-2", "member")]:
        ok(await client.put(f"{members}/{person_id}", json={"role": role}, headers=admin))

    for case in (screening, in_review):
        now = ok(await client.get(f"/cases/{case['id']}", headers=admin))
        assert now["committee_id"] == committee["id"]
        assert now["reviewer_ids"] == ["p-com-1", "p-com-2"]
        assert now["history"][-1]["action"] == "rerouted"
    # Someone who was removed from the list no longer sees the case.
    gone = await client.get(
        f"/cases/{screening['id']}", headers=as_("p-com-5", "employee", "committee_member")
    )
    assert gone.status_code == 403

    ok(await client.put(f"{members}/p-com-3", json={"role": "member"}, headers=admin))
    ok(await client.delete(f"{members}/p-com-2", headers=admin), 204)
    now = ok(await client.get(f"/cases/{screening['id']}", headers=admin))
    assert now["reviewer_ids"] == ["p-com-1", "p-com-3"]
