"""Deciding a case over HTTP: who decides what, what reaches the outbox, and what is refused
how."""

from __future__ import annotations

from typing import Any

import pytest
from httpx import AsyncClient
from review_testkit import (
    ACCEPT,
    ADMIN,
    API_ORG,
    CA_KIRJASTO,
    CA_PUISTO,
    COMMITTEE,
    DECIDED,
    EMPLOYEE,
    SUP_KIRJASTO,
    As,
    NewCase,
    decided_events,
    problem,
)

from ideapaja_contracts.events.idea import Scope
from ideapaja_runtime.testing import RunningService

ORG_EVENTS = API_ORG  # the module's service (conftest.api) knows this city


# --- Deciding ---------------------------------------------------------------------------------


async def test_reviewer_decides_once_and_the_decision_goes_to_the_outbox(
    api: RunningService, client: AsyncClient, as_: As, new_case: NewCase
) -> None:
    case = await new_case()
    path = f"/cases/{case['id']}/decision"
    response = await client.post(
        path, json={**ACCEPT, "rationale": "  Hyvä idea.  "}, headers=as_(*SUP_KIRJASTO)
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["status"], body["decision"], body["decided_by"]) == (
        "decided",
        "accepted",
        "p-sup-kirjasto",
    )
    assert body["rationale"] == "Hyvä idea."
    # An accepted idea goes on to an experiment or implementation, or is reopened once.
    assert body["allowed_actions"] == ["appeal", "start_experiment", "start_implementation"]
    entry = body["history"][-1]
    assert (entry["action"], entry["actor_id"], entry["reason"], entry["from_status"]) == (
        "decide",
        "p-sup-kirjasto",
        "Hyvä idea.",
        "screening",
    )
    assert entry["occurred_at"] == body["decided_at"]

    [event] = await decided_events(api, case["id"])
    assert event == {
        "_type": DECIDED,
        "case_id": case["id"],
        "idea_id": case["idea_id"],
        "decision": "accepted",
        "rationale": "Hyvä idea.",
        "decided_by": "p-sup-kirjasto",
        "scope": "unit",
        "unit_id": "u-kirjasto",
        "duplicate_of": None,
        "forwarded_to_unit_id": None,
    }

    again = await client.post(path, json=ACCEPT, headers=as_(*CA_KIRJASTO))
    refusal = problem(again, 409)
    assert refusal["allowed"] == ["appeal", "start_experiment", "start_implementation"]
    assert (refusal["state"], refusal["decision"]) == ("decided", "accepted")
    assert len(await decided_events(api, case["id"])) == 1


async def test_needs_info_case_waits_for_the_authors_answer(
    client: AsyncClient, as_: As, new_case: NewCase
) -> None:
    case = await new_case()
    path = f"/cases/{case['id']}/decision"
    asked = await client.post(
        path,
        json={"decision": "needs_info", "rationale": "Mitä se maksaisi?"},
        headers=as_(*CA_KIRJASTO),
    )
    assert asked.json()["allowed_actions"] == ["resume_screening", "withdraw"]
    refusal = problem(await client.post(path, json=ACCEPT, headers=as_(*CA_KIRJASTO)), 409)
    assert refusal["allowed"] == ["resume_screening", "withdraw"]


async def test_other_units_change_agent_and_employees_cannot_decide(
    api: RunningService, client: AsyncClient, as_: As, new_case: NewCase
) -> None:
    case = await new_case()
    path = f"/cases/{case['id']}/decision"
    denied = problem(await client.post(path, json=ACCEPT, headers=as_(*CA_PUISTO)), 403)
    assert "not a reviewer" in denied["detail"]
    problem(await client.post(path, json=ACCEPT, headers=as_(*EMPLOYEE)), 403)
    # On the list per HR, but the token does not say change agent or supervisor.
    problem(
        await client.post(path, json=ACCEPT, headers=as_("p-ca-kirjasto", "committee_member")),
        403,
    )
    assert await decided_events(api, case["id"]) == []
    unchanged = await client.get(f"/cases/{case['id']}", headers=as_(*ADMIN))
    assert unchanged.json()["status"] == "screening"


async def test_city_ideas_are_screened_by_committee_members_and_decided_in_a_meeting(
    api: RunningService, client: AsyncClient, as_: As, new_case: NewCase
) -> None:
    case = await new_case(scope=Scope.CITY, unit_id="u-kirjasto")
    assert case["reviewer_ids"] == ["p-com-1", "p-com-2"]
    path = f"/cases/{case['id']}/decision"
    problem(await client.post(path, json=ACCEPT, headers=as_(*CA_KIRJASTO)), 403)
    problem(await client.post(path, json=ACCEPT, headers=as_(*SUP_KIRJASTO)), 403)
    alone = problem(await client.post(path, json=ACCEPT, headers=as_(*COMMITTEE)), 403)
    assert "committee meeting" in alone["detail"]
    forward = {
        "decision": "forwarded",
        "rationale": "Kuuluu koululle.",
        "forwarded_to_unit_id": "u-koulu",
    }
    ok = await client.post(path, json=forward, headers=as_(*COMMITTEE))
    assert ok.status_code == 200, ok.text
    [event] = await decided_events(api, case["id"])
    assert (event["scope"], event["decided_by"]) == ("city", "p-com-1")


async def test_admin_decides_even_an_unrouted_case(
    client: AsyncClient, as_: As, new_case: NewCase
) -> None:
    case = await new_case(unit_id="u-unknown")
    assert case["routed"] is False
    response = await client.post(
        f"/cases/{case['id']}/decision",
        json={"decision": "rejected", "rationale": "Ei kuulu kaupungille."},
        headers=as_(*ADMIN),
    )
    assert response.status_code == 200, response.text
    assert response.json()["decision"] == "rejected"


async def test_forwarding_and_duplicates_name_their_target(
    api: RunningService, client: AsyncClient, as_: As, new_case: NewCase
) -> None:
    original = await new_case()
    copy = await new_case()
    forwarded = await new_case()
    dup = await client.post(
        f"/cases/{copy['id']}/decision",
        json={
            "decision": "duplicate",
            "rationale": "Sama kuin aiempi.",
            "duplicate_of": original["idea_id"],
        },
        headers=as_(*CA_KIRJASTO),
    )
    assert dup.status_code == 200, dup.text
    assert dup.json()["duplicate_of"] == original["idea_id"]
    fwd = await client.post(
        f"/cases/{forwarded['id']}/decision",
        json={
            "decision": "forwarded",
            "rationale": "Koulun asia.",
            "forwarded_to_unit_id": "u-koulu",
        },
        headers=as_(*CA_KIRJASTO),
    )
    assert fwd.status_code == 200, fwd.text
    [dup_event] = await decided_events(api, copy["id"])
    [fwd_event] = await decided_events(api, forwarded["id"])
    assert (dup_event["decision"], dup_event["duplicate_of"]) == ("duplicate", original["idea_id"])
    assert (fwd_event["decision"], fwd_event["forwarded_to_unit_id"]) == ("forwarded", "u-koulu")
    assert fwd.json()["history"][-1]["details"] == {"forwarded_to_unit_id": "u-koulu"}


BAD_BODIES: list[tuple[str, dict[str, Any]]] = [
    ("missing rationale", {"decision": "accepted"}),
    ("blank rationale", {"decision": "accepted", "rationale": "   "}),
    ("rationale too long", {"decision": "accepted", "rationale": "x" * 5001}),
    ("unknown decision", {"decision": "maybe", "rationale": "r"}),
    ("extra field", {**ACCEPT, "score": 5}),
    ("duplicate without target", {"decision": "duplicate", "rationale": "r"}),
    ("forwarded without unit", {"decision": "forwarded", "rationale": "r"}),
    ("target on accept", {**ACCEPT, "duplicate_of": "i-other"}),
    (
        "unit on reject",
        {"decision": "rejected", "rationale": "r", "forwarded_to_unit_id": "u-koulu"},
    ),
    ("bad id", {"decision": "duplicate", "rationale": "r", "duplicate_of": "i.x>"}),
    ("unknown unit", {"decision": "forwarded", "rationale": "r", "forwarded_to_unit_id": "u-nope"}),
    ("unknown idea", {"decision": "duplicate", "rationale": "r", "duplicate_of": "i-nope"}),
    ("not a list", []),  # type: ignore[list-item]
]


@pytest.mark.parametrize(("why", "body"), BAD_BODIES, ids=[why for why, _ in BAD_BODIES])
async def test_bad_decision_body_is_422_and_changes_nothing(
    api: RunningService,
    client: AsyncClient,
    as_: As,
    new_case: NewCase,
    why: str,
    body: Any,
) -> None:
    case = await new_case()
    response = await client.post(
        f"/cases/{case['id']}/decision", json=body, headers=as_(*CA_KIRJASTO)
    )
    refusal = problem(response, 422)
    assert refusal["errors"]
    assert await decided_events(api, case["id"]) == []


async def test_duplicate_of_itself_is_422(client: AsyncClient, as_: As, new_case: NewCase) -> None:
    case = await new_case()
    response = await client.post(
        f"/cases/{case['id']}/decision",
        json={"decision": "duplicate", "rationale": "r", "duplicate_of": case["idea_id"]},
        headers=as_(*CA_KIRJASTO),
    )
    assert "itself" in problem(response, 422)["detail"]
