"""What a committee records reads back as it was written: meeting times (with any offset),
conflicts of interest with who recorded them, and every column of the minutes (issue 12, item 4)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from httpx import AsyncClient
from review_testkit import As, ok, refused

from ideapaja_runtime.testing import RunningService

ADMIN = ("p-admin", "admin")
CHAIR = ("p-com-1", "employee", "committee_member")


@pytest.fixture(scope="module")
async def committee_id(api: RunningService, dev_keys: Any) -> str:
    admin = dev_keys.headers(*ADMIN)
    body = {"name": "Kehittämistoimikunta", "city_wide": True, "quorum": 1}
    created = ok(await api.client.post("/committees", json=body, headers=admin), 201)
    member = f"/committees/{created['id']}/members/p-com-1"
    ok(await api.client.put(member, json={"role": "chair"}, headers=admin))
    return str(created["id"])


@pytest.mark.parametrize("offset", ["+02:00", "+03:00", "-09:30", "+05:45", "Z"])
async def test_a_meeting_time_reads_back_as_the_instant_scheduled(
    client: AsyncClient, as_: As, committee_id: str, offset: str
) -> None:
    scheduled = f"2027-01-14T13:00:00{offset}"
    created = ok(
        await client.post(
            f"/committees/{committee_id}/meetings",
            json={"title": "Tammikuun kokous", "scheduled_at": scheduled, "case_ids": []},
            headers=as_(*CHAIR),
        ),
        201,
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
