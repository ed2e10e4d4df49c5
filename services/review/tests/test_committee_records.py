"""What a committee records reads back as it was written: meeting times (with any offset),
conflicts of interest with who recorded them, and every column of the minutes (issue 12, item 4)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from httpx import AsyncClient
from review_testkit import As, call_meeting, city_committee, handler_delivery, idea, ok, refused

from ideapaja_contracts.events.idea import Scope
from ideapaja_runtime.testing import RunningService

ADMIN = ("p-admin", "admin")
CHAIR = ("p-com-1", "employee", "committee_member")


@pytest.fixture(scope="module")
async def committee_id(api: RunningService, dev_keys: Any) -> str:
    members = [("p-com-1", "chair"), ("p-com-2", "member")]
    return await city_committee(api.client, dev_keys.headers(*ADMIN), members)


@pytest.mark.parametrize("offset", ["+02:00", "+03:00", "-09:30", "+05:45", "Z"])
async def test_a_meeting_time_reads_back_as_the_instant_scheduled(
    client: AsyncClient, as_: As, committee_id: str, offset: str
) -> None:
    scheduled = f"2027-01-14T13:00:00{offset}"
    created = await call_meeting(
        client,
        committee_id,
        as_(*CHAIR),
        title="Tammikuun kokous",
        scheduled_at=scheduled,
        case_ids=[],
    )
    read = ok(await client.get(f"/meetings/{created['id']}", headers=as_(*CHAIR)))
    expected = datetime.fromisoformat(scheduled)
    assert datetime.fromisoformat(read["scheduled_at"]) == expected
    assert datetime.fromisoformat(created["scheduled_at"]) == expected


async def test_a_meeting_time_without_an_offset_is_refused(
    client: AsyncClient, as_: As, committee_id: str
) -> None:
    """A wall time without an offset would be guessed; the caller is told to give one."""
    naive = await client.post(
        f"/committees/{committee_id}/meetings",
        json={"title": "x", "scheduled_at": "2027-01-14T13:00:00", "case_ids": []},
        headers=as_(*CHAIR),
    )
    assert refused(naive, 422)["errors"][0]["field"].endswith("scheduled_at")


async def _case_on_a_meeting(api: RunningService, as_: As, committee_id: str) -> tuple[str, str]:
    submitted = idea(scope=Scope.CITY, unit_id="u-kirjasto", authors=["p-author"])
    await handler_delivery(api).all([submitted])
    case = ok(await api.client.get(f"/cases/by-idea/{submitted.idea_id}", headers=as_(*ADMIN)))
    accept = f"/cases/{case['id']}/accept-for-review"
    ok(await api.client.post(accept, json={}, headers=as_(*CHAIR)))
    meeting = await call_meeting(
        api.client,
        committee_id,
        as_(*CHAIR),
        title="Kokous",
        scheduled_at="2027-01-14T13:00:00+02:00",
    )
    return str(meeting["id"]), str(case["id"])


async def test_who_recorded_a_conflict_reads_back_as_posted(
    api: RunningService, as_: As, committee_id: str
) -> None:
    meeting_id, case_id = await _case_on_a_meeting(api, as_, committee_id)
    item = f"/meetings/{meeting_id}/items/{case_id}"
    posted = ok(
        await api.client.post(
            f"{item}/conflicts",
            json={"person_id": "p-com-2", "reason": "Puoliso on ideoija."},
            headers=as_(*CHAIR),
        ),
        201,
    )
    assert posted["recorded_by"] == "p-com-1"
    [read] = ok(await api.client.get(item, headers=as_(*CHAIR)))["conflicts"]
    assert read == posted
