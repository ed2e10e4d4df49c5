"""Who decides a city idea, at each state, for every role a token can carry (issue 12, 4.4).

The rule (domain/access.py): a city idea is the committee's decision. Its members screen it; in
screening and in review alike nobody accepts or rejects it alone on the case, whatever their
roles; the committee decides it in a meeting, where the chair records the decision (quorum met;
an admin may record it for the chair).
As in tests/security/test_authz_matrix.py, every role is tried, and all of them together.
"""

from __future__ import annotations

from typing import Any

import pytest
from httpx import AsyncClient
from review_testkit import As, call_meeting, city_committee, handler_delivery, idea, ok

from ideapaja_contracts.events.idea import Scope
from ideapaja_runtime.authz import ALL_ROLES
from ideapaja_runtime.testing import RunningService

ADMIN = ("p-admin", "admin")
CHAIR = ("p-com-1", "employee", "committee_member")
MEMBER = ("p-com-2", "employee", "committee_member")
SECRETARY = ("p-com-3", "employee", "committee_member")
# A listed reviewer of every city case (a committee member in HR), with each role in turn.
CALLERS = [(r,) for r in sorted(ALL_ROLES)] + [tuple(sorted(ALL_ROLES))]
SCORES = {"benefit": 4, "feasibility": 4, "cost": 3, "impact": 4, "novelty": 3}


@pytest.fixture(scope="module")
async def committee_id(api: RunningService, dev_keys: Any) -> str:
    members = [("p-com-1", "chair"), ("p-com-2", "member"), ("p-com-3", "secretary")]
    return await city_committee(api.client, dev_keys.headers(*ADMIN), members)


async def city_case(api: RunningService, as_: As, *, in_review: bool) -> dict[str, Any]:
    submitted = idea(scope=Scope.CITY, unit_id="u-kirjasto", authors=["p-author"])
    await handler_delivery(api).all([submitted])
    case = ok(await api.client.get(f"/cases/by-idea/{submitted.idea_id}", headers=as_(*ADMIN)))
    if in_review:
        path = f"/cases/{case['id']}/accept-for-review"
        ok(await api.client.post(path, json={}, headers=as_(*CHAIR)))
    return dict(case)


@pytest.mark.parametrize("in_review", [False, True], ids=["screening", "in_review"])
@pytest.mark.parametrize("decision", ["accepted", "rejected"])
async def test_no_role_decides_a_city_idea_alone_on_the_case(
    api: RunningService, as_: As, committee_id: str, in_review: bool, decision: str
) -> None:
    case = await city_case(api, as_, in_review=in_review)
    assert "p-com-2" in case["reviewer_ids"]
    body = {"decision": decision, "rationale": "Hyvä idea."}
    for roles in CALLERS:
        answer = await api.client.post(
            f"/cases/{case['id']}/decision", json=body, headers=as_("p-com-2", *roles)
        )
        assert answer.status_code == 403, (roles, answer.text)
    after = ok(await api.client.get(f"/cases/{case['id']}", headers=as_(*ADMIN)))
    assert after["status"] == ("in_review" if in_review else "screening")


async def test_members_still_screen_a_city_idea(
    client: AsyncClient, api: RunningService, as_: As, committee_id: str
) -> None:
    case = await city_case(api, as_, in_review=False)
    question = {"decision": "needs_info", "rationale": "Mitä maksaa?", "question": "Hinta?"}
    ok(await client.post(f"/cases/{case['id']}/decision", json=question, headers=as_(*MEMBER)))


async def test_in_a_meeting_the_chair_records_the_committees_decision(
    client: AsyncClient, api: RunningService, as_: As, committee_id: str
) -> None:
    case = await city_case(api, as_, in_review=True)
    meeting = await call_meeting(
        client,
        committee_id,
        as_(*SECRETARY),
        title="Kokous",
        scheduled_at="2027-01-14T13:00:00+02:00",
        case_ids=[case["id"]],
    )
    item = f"/meetings/{meeting['id']}/items/{case['id']}"
    ok(await client.put(f"{item}/scores/me", json={"scores": SCORES}, headers=as_(*MEMBER)))
    accept = {"decision": "accepted", "rationale": "Toimikunta puoltaa."}
    # An admin may record it in the meeting for the chair (decide_item); no one else.
    not_admins = [("p-com-2", *roles) for roles in CALLERS if "admin" not in roles]
    for caller in (MEMBER, SECRETARY, *not_admins):
        answer = await client.post(f"{item}/decision", json=accept, headers=as_(*caller))
        assert answer.status_code == 403, (caller, answer.text)
    ok(await client.post(f"{item}/decision", json=accept, headers=as_(*CHAIR)))
    decided = ok(await client.get(f"/cases/{case['id']}", headers=as_(*ADMIN)))
    assert (decided["decision"], decided["decided_by"]) == ("accepted", "p-com-1")
