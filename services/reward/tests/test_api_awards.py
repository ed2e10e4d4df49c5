"""The award, budget and report routes over HTTP: what they answer, refusals as problem+json
naming the rule, anonymous recipients withheld, and concurrent approvals granting once."""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from award_testkit import KIRJASTO, SIVI, YEAR, grants_of, seed_idea
from reward_testkit import running_reward

from ideapaja_runtime.testing import DevKeys, RunningService


@pytest.fixture
async def awards_service(
    nats_url: str, database_url: str, dev_keys: DevKeys
) -> AsyncIterator[RunningService]:
    async with running_reward(nats_url, database_url, dev_keys) as running:
        await seed_idea(running.runtime.db, budget="1000.00")
        await seed_idea(running.runtime.db, "i-anon", authors=("p-7",), anonymous=True)
        yield running


class Caller:
    def __init__(self, running: RunningService, keys: DevKeys) -> None:
        self.client = running.client
        self.keys = keys

    def headers(self, who: str, *roles: str, units: list[str] | None = None) -> dict[str, str]:
        return self.keys.headers(who, *roles, units=units)

    async def propose(
        self, who: tuple[str, ...], units: list[str] | None = None, **body: Any
    ) -> Any:
        payload = {"idea_id": "i-1", "kind": "money", "justification": "Good", **body}
        return await self.client.post(
            "/awards", json=payload, headers=self.headers(*who, units=units)
        )


SUPERVISOR = ("p-sup", "supervisor")
COMMITTEE = ("p-cm", "committee_member")


async def test_propose_approve_and_read_the_trail(
    awards_service: RunningService, dev_keys: DevKeys
) -> None:
    caller = Caller(awards_service, dev_keys)
    created = await caller.propose(COMMITTEE, amount="60.00", recipient_ids=["p-1", "p-2"])
    assert created.status_code == 201, created.text
    award = created.json()
    assert (award["status"], award["approval_roles"], award["amount"]) == (
        "pending",
        ["supervisor"],
        "60.00",
    )
    sup = caller.headers(*SUPERVISOR, units=[KIRJASTO])
    awaiting = await caller.client.get("/awards?awaiting=me", headers=sup)
    assert [a["id"] for a in awaiting.json()["items"]] == [award["id"]]
    assert (
        await caller.client.get("/awards?awaiting=me", headers=caller.headers(*COMMITTEE))
    ).json()["items"] == []

    approved = await caller.client.post(
        f"/awards/{award['id']}/approval", json={"reason": "Well done"}, headers=sup
    )
    assert approved.status_code == 200, approved.text
    body = approved.json()
    assert body["status"] == "approved"
    assert [(s["step"], s["role"], s["decision"], s["decided_by"]) for s in body["trail"]] == [
        (1, "supervisor", "approved", "p-sup")
    ]
    assert len(await grants_of(awards_service.runtime.db)) == 2

    budgets = await caller.client.get(f"/budgets?year={YEAR}", headers=caller.headers("p-hr", "hr"))
    [sivi] = budgets.json()["items"]
    assert (sivi["department_id"], sivi["committed"], sivi["left"]) == (SIVI, "60.00", "940.00")


@pytest.mark.parametrize(
    ("body", "status", "rule"),
    [
        ({"amount": "0.00"}, 422, "amount_positive"),
        ({"amount": "-1.00"}, 422, "amount_positive"),
        ({"amount": "10000.01"}, 422, "amount_maximum"),
        ({"amount": "10.00", "currency": "USD"}, 422, "currency"),
        ({"amount": "10.00", "recipient_ids": ["p-404"]}, 422, "recipient_not_author"),
        ({"amount": "1000.01"}, 409, "budget_exceeded"),
    ],
)
async def test_bad_proposals_are_problems_naming_the_rule(
    awards_service: RunningService,
    dev_keys: DevKeys,
    body: dict[str, Any],
    status: int,
    rule: str,
) -> None:
    answer = await Caller(awards_service, dev_keys).propose(COMMITTEE, **body)
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["rule"] == rule
    if status == 422:
        assert answer.json()["errors"][0]["type"] == rule


async def test_own_proposal_and_rejection_without_reason(
    awards_service: RunningService, dev_keys: DevKeys
) -> None:
    caller = Caller(awards_service, dev_keys)
    award = (await caller.propose(SUPERVISOR, units=[KIRJASTO], amount="10.00")).json()
    mine = caller.headers("p-sup", "supervisor", units=[KIRJASTO])
    own = await caller.client.post(f"/awards/{award['id']}/approval", json={}, headers=mine)
    assert own.status_code == 403
    assert (own.json()["rule"], own.json()["reason"]) == ("own_proposal", "object")
    other = caller.headers("p-sup2", "supervisor", units=[KIRJASTO])
    no_reason = await caller.client.post(f"/awards/{award['id']}/rejection", json={}, headers=other)
    assert no_reason.status_code == 422
    rejected = await caller.client.post(
        f"/awards/{award['id']}/rejection", json={"reason": "Too early"}, headers=other
    )
    assert rejected.json()["status"] == "rejected"
    assert rejected.json()["trail"][0]["reason"] == "Too early"


async def test_anonymous_recipients_only_for_the_chain_and_hr(
    awards_service: RunningService, dev_keys: DevKeys
) -> None:
    caller = Caller(awards_service, dev_keys)
    created = await caller.propose(COMMITTEE, idea_id="i-anon", amount="10.00")
    assert created.status_code == 201, created.text
    award_id = created.json()["id"]

    async def recipients(*who: str, units: list[str] | None = None) -> list[str]:
        answer = await caller.client.get(
            f"/awards/{award_id}", headers=caller.headers(*who, units=units)
        )
        listed = await caller.client.get(
            "/awards?idea_id=i-anon", headers=caller.headers(*who, units=units)
        )
        assert listed.json()["items"][0]["recipient_ids"] == answer.json()["recipient_ids"]
        return list(answer.json()["recipient_ids"])

    assert await recipients("p-hr", "hr") == ["p-7"]
    assert await recipients("p-sup", "supervisor", units=[KIRJASTO]) == ["p-7"]
    assert await recipients("p-mg", "management") == []  # not in a 10 € chain
    assert await recipients("p-cm9", "committee_member") == []


async def test_concurrent_approvals_grant_once(
    awards_service: RunningService, dev_keys: DevKeys
) -> None:
    caller = Caller(awards_service, dev_keys)
    award_id = (await caller.propose(COMMITTEE, amount="30.00")).json()["id"]
    approvers = [caller.headers(f"p-sup{i}", "supervisor", units=[KIRJASTO]) for i in range(4)]
    answers = await asyncio.gather(
        *(caller.client.post(f"/awards/{award_id}/approval", json={}, headers=h) for h in approvers)
    )
    codes = sorted(a.status_code for a in answers)
    assert codes == [200, 409, 409, 409], [a.text for a in answers]
    assert {a.json()["rule"] for a in answers if a.status_code == 409} <= {
        "award_changed",
        "award_decided",
    }
    assert len(await grants_of(awards_service.runtime.db)) == 3


async def test_budgets_are_set_by_hr_never_below_what_is_held(
    awards_service: RunningService, dev_keys: DevKeys
) -> None:
    caller = Caller(awards_service, dev_keys)
    hr = caller.headers("p-hr", "hr")
    await caller.propose(COMMITTEE, amount="300.00")
    below = await caller.client.put(f"/budgets/{SIVI}/{YEAR}", json={"amount": "200"}, headers=hr)
    assert (below.status_code, below.json()["rule"]) == (409, "budget_below_committed")
    wrong = await caller.client.put(
        f"/budgets/{SIVI}/{YEAR}", json={"amount": "200", "currency": "SEK"}, headers=hr
    )
    assert (wrong.status_code, wrong.json()["rule"]) == (422, "currency")
    raised = await caller.client.put(
        f"/budgets/{SIVI}/{YEAR}", json={"amount": "2500.50"}, headers=hr
    )
    assert raised.json()["left"] == "2200.50"
    new = await caller.client.put(f"/budgets/u-tekla/{YEAR + 1}", json={"amount": "10"}, headers=hr)
    assert new.status_code == 200 and new.json()["committed"] == "0.00"


async def test_report_csv_and_totals(awards_service: RunningService, dev_keys: DevKeys) -> None:
    caller = Caller(awards_service, dev_keys)
    award_id = (
        await caller.propose(COMMITTEE, amount="10.00", justification='=HYPERLINK("x");1')
    ).json()["id"]
    await caller.client.post(
        f"/awards/{award_id}/approval",
        json={},
        headers=caller.headers(*SUPERVISOR, units=[KIRJASTO]),
    )
    today = datetime.now(UTC).date()
    hr = caller.headers("p-hr", "hr")
    period = {"from": str(today - timedelta(days=1)), "to": str(today + timedelta(days=1))}
    answer = await caller.client.get("/grants/report.csv", params=period, headers=hr)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    rows = sorted(csv.DictReader(io.StringIO(answer.text)), key=lambda row: row["person_id"])
    assert [(r["person_id"], r["amount"]) for r in rows] == [
        ("p-1", "3.34"),
        ("p-2", "3.33"),
        ("p-3", "3.33"),
    ]
    assert rows[0]["reason"] == '\'=HYPERLINK("x");1'  # neutralised, and quoted for its ;
    assert '"\'=HYPERLINK(""x"");1"' in answer.text
    assert rows[0]["approval_trail_id"] == award_id

    totals = (await caller.client.get("/grants/totals", params=period, headers=hr)).json()
    assert totals["total"]["amount"] == "10.00"
    assert totals["departments"] == [
        {"id": SIVI, "grants": 3, "amount": "10.00", "points": 0, "days": 0}
    ]
    assert [u["id"] for u in totals["units"]] == [KIRJASTO]
    assert [k["id"] for k in totals["kinds"]] == ["money"]
    # The management group's dashboard reads the totals (no person in them), not the rows.
    management = caller.headers("p-johto", "management")
    by_management = await caller.client.get("/grants/totals", params=period, headers=management)
    assert by_management.json() == totals
    rows_refused = await caller.client.get("/grants/report.csv", params=period, headers=management)
    assert rows_refused.status_code == 403
    employee = caller.headers("p-1", "employee")
    assert (
        await caller.client.get("/grants/totals", params=period, headers=employee)
    ).status_code == 403

    too_long = {"from": "2025-01-01", "to": "2026-01-02"}
    refused = await caller.client.get("/grants/totals", params=too_long, headers=hr)
    assert (refused.status_code, refused.json()["rule"]) == (422, "period")
    missing = await caller.client.get("/grants/totals", headers=hr)
    assert missing.status_code == 422
