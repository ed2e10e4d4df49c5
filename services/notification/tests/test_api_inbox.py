"""The inbox's HTTP API on a running service: the caller's own items only, paged, read/unread,
and the retention purge the service runs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from notification_testkit import (
    EMPTY_PAGE,
    PROBLEM,
    StartService,
    decided,
    handle,
    inbox_items,
    two_authors_and_their_idea,
)

from ideapaja_contracts.events.review import Decision
from ideapaja_notification import handlers
from ideapaja_notification.usecases import inbox
from ideapaja_runtime.clock import utc_now
from ideapaja_runtime.testing import DevKeys, RunningService


@pytest.fixture
async def svc(start_service: StartService) -> AsyncIterator[RunningService]:
    """Three decisions on p-1's (fi) and p-2's (sv) idea: three items each."""
    async with start_service() as running:
        db = running.runtime.db
        await two_authors_and_their_idea(db)
        for decision in (Decision.REJECTED, Decision.FORWARDED, Decision.ACCEPTED):
            await handle(db, handlers.on_review_decided, decided("i-1", decision))
        yield running


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/inbox"),
        ("GET", "/inbox/unread-count"),
        ("POST", "/inbox/read-all"),
        ("POST", "/inbox/x/read"),
    ],
)
async def test_every_inbox_endpoint_needs_a_token(
    svc: RunningService, method: str, path: str
) -> None:
    response = await svc.client.request(method, path)
    assert response.status_code == 401
    assert response.headers["content-type"] == PROBLEM


async def test_my_inbox_newest_first_a_page_at_a_time(
    svc: RunningService, dev_keys: DevKeys
) -> None:
    headers = dev_keys.headers("p-2", "employee")
    first = (await svc.client.get("/inbox?limit=2", headers=headers)).json()
    rest = (
        await svc.client.get(
            "/inbox", params={"limit": 2, "cursor": first["next_cursor"]}, headers=headers
        )
    ).json()
    assert first["total"] == 3 and rest["next_cursor"] is None
    items = first["items"] + rest["items"]
    assert [i["kind"] for i in items] == ["idea_accepted", "idea_forwarded", "idea_rejected"]
    accepted = items[0]
    assert accepted["title"] == "Din idé har godkänts: Kirjaston iltapäivystys"
    assert accepted["language"] == "sv" and accepted["link"] == "/ideas/i-1"
    assert accepted["idea_id"] == "i-1" and accepted["read_at"] is None
    nobody = await svc.client.get("/inbox", headers=dev_keys.headers("p-9"))
    assert nobody.json() == EMPTY_PAGE


async def test_marking_read_one_and_all(svc: RunningService, dev_keys: DevKeys) -> None:
    mine = dev_keys.headers("p-1")
    items = (await svc.client.get("/inbox", headers=mine)).json()["items"]
    count = await svc.client.get("/inbox/unread-count", headers=mine)
    assert count.json() == {"unread": 3}

    read = await svc.client.post(f"/inbox/{items[0]['id']}/read", headers=mine)
    assert read.status_code == 200 and read.json()["read_at"] is not None
    again = await svc.client.post(f"/inbox/{items[0]['id']}/read", headers=mine)
    assert again.json()["read_at"] == read.json()["read_at"], "the first reading is kept"
    unread = (await svc.client.get("/inbox?unread=true", headers=mine)).json()
    assert [i["id"] for i in unread["items"]] == [items[1]["id"], items[2]["id"]]

    # Someone else's item is not found (not even told it exists).
    theirs = (await svc.client.get("/inbox", headers=dev_keys.headers("p-2"))).json()["items"]
    stolen = await svc.client.post(f"/inbox/{theirs[0]['id']}/read", headers=mine)
    assert stolen.status_code == 404 and stolen.headers["content-type"] == PROBLEM

    marked = await svc.client.post("/inbox/read-all", headers=mine)
    assert marked.json() == {"marked": 2}
    assert (await svc.client.get("/inbox/unread-count", headers=mine)).json() == {"unread": 0}
    other = await svc.client.get("/inbox/unread-count", headers=dev_keys.headers("p-2"))
    assert other.json() == {"unread": 3}


@pytest.mark.parametrize(
    "path", ["/inbox?unread=maybe", "/inbox?limit=0", "/inbox?cursor=x", "/inbox?status=new"]
)
async def test_inbox_parameters_are_validated(
    svc: RunningService, dev_keys: DevKeys, path: str
) -> None:
    response = await svc.client.get(path, headers=dev_keys.headers("p-1"))
    assert response.status_code == 422


async def test_bad_item_ids_are_refused(svc: RunningService, dev_keys: DevKeys) -> None:
    for bad in ("bad$id", "i" * 65):
        response = await svc.client.post(f"/inbox/{bad}/read", headers=dev_keys.headers("p-1"))
        assert response.status_code == 422


async def test_the_purge_removes_only_items_past_the_retention(svc: RunningService) -> None:
    runtime = svc.runtime
    assert runtime.settings.inbox_retention_days == 365
    assert (await inbox.purge(runtime)).deleted == 0
    runtime.clock = lambda: utc_now() + timedelta(days=366)
    result = await inbox.purge(runtime)
    assert result.deleted == 6
    assert await inbox_items(runtime.db) == []
