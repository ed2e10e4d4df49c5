"""Admins list the dead letters over HTTP (runtime's dead-letter router, mounted by privacy), on a
real nats-server: HR records privacy's own consumer could not read are dead-lettered the way every
consumer does it, then listed page by page with where they came from and why, never their bodies
(which name the person)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from privacy_testkit import privacy_settings
from test_dead_letters import _broken_hr_record

from ideapaja_privacy.app import service
from ideapaja_runtime.testing import DevKeys, RunningService, eventually, running_service
from ideapaja_runtime.testing import stream_messages as messages_in
from ideapaja_runtime.testing_builders import wiring

DLQ = "IDEAPAJA_DLQ"


@pytest.fixture
async def privacy(
    nats_url: str, sqlite_url: str, dev_keys: DevKeys
) -> AsyncIterator[RunningService]:
    settings = privacy_settings(**wiring(nats_url, sqlite_url, dev_keys), max_deliver=1)
    async with running_service(service, settings) as running:
        yield running


async def test_an_admin_lists_dead_letters_page_by_page_without_their_bodies(
    privacy: RunningService, dev_keys: DevKeys, js: Any
) -> None:
    admin = dev_keys.headers("p-admin", "admin")
    empty = await privacy.client.get("/dead-letters", headers=admin)
    assert empty.status_code == 200, empty.text
    assert empty.json()["items"] == [] and empty.json()["total"] == 0

    for person_id, name in (("p-1003", "Leena Korhonen"), ("p-1004", "Mikko Mäki"),
                            ("p-1005", "Elin Sjöberg")):  # fmt: skip
        await _broken_hr_record(js, person_id, name)

    async def three() -> list[Any] | None:
        letters = await messages_in(js, DLQ)
        return letters if len(letters) == 3 else None

    await eventually(three)
    first = await privacy.client.get("/dead-letters", headers=admin, params={"limit": 2})
    assert first.status_code == 200, first.text
    page = first.json()
    assert page["total"] == 3 and len(page["items"]) == 2 and page["next_cursor"]
    letter = page["items"][0]
    assert letter["consumer"] == "privacy-hr-people"
    assert letter["original_subject"] == "hr.person.p-1003"
    assert letter["original_stream"] == "IDEAPAJA_HR"
    assert letter["event_type"] == "ideapaja.person.upserted.v1"
    assert letter["event_id"] and letter["time"] and letter["deliveries"] == 1
    assert letter["reason"].startswith("invalid event:")
    assert "Leena Korhonen" not in first.text and "Mikko" not in first.text

    rest = await privacy.client.get(
        "/dead-letters", headers=admin, params={"limit": 2, "cursor": page["next_cursor"]}
    )
    assert rest.status_code == 200, rest.text
    assert [i["original_subject"] for i in rest.json()["items"]] == ["hr.person.p-1005"]
    assert rest.json()["next_cursor"] is None
    assert "Sjöberg" not in rest.text


@pytest.mark.parametrize("roles", [("employee",), ("employee", "hr"), ("employee", "management")])
async def test_only_admins_see_them(
    privacy: RunningService, dev_keys: DevKeys, roles: tuple[str, ...]
) -> None:
    refused = await privacy.client.get("/dead-letters", headers=dev_keys.headers("p-1", *roles))
    assert refused.status_code == 403
    assert (await privacy.client.get("/dead-letters")).status_code == 401


async def test_a_cursor_not_from_this_list_is_a_422(
    privacy: RunningService, dev_keys: DevKeys
) -> None:
    admin = dev_keys.headers("p-admin", "admin")
    answer = await privacy.client.get("/dead-letters", headers=admin, params={"cursor": "bogus"})
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "cursor"
