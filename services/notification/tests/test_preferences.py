"""Preferences, on both databases and over HTTP: every kind × every setting decides whether a
notice is e-mailed at once, kept for a digest, or not e-mailed; the inbox item is always there.
Kinds that ask the person to act refuse "off", unknown kinds are refused, each with a 422
naming it, and a person reads and changes only their own."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from notification_testkit import (
    PROBLEM,
    StartService,
    choose,
    deliveries,
    digest_items,
    envelope_of,
    handle,
    inbox_items,
    person,
)
from test_every_kind import BEFORE, CASES, _run, people_and_idea

from ideapaja_contracts import Event
from ideapaja_notification import handlers
from ideapaja_notification.domain.kinds import TemplateId
from ideapaja_notification.domain.preferences import MANDATORY_KINDS, Frequency
from ideapaja_notification.errors import PreferencesRefused
from ideapaja_runtime.db import Database
from ideapaja_runtime.testing import DevKeys, RunningService


@pytest.mark.parametrize(("kind", "event", "recipients"), CASES, ids=[c[0].value for c in CASES])
async def test_every_kind_and_setting_decides_the_e_mail_never_the_inbox(
    notification_db: Database, kind: TemplateId, event: Event, recipients: list[str]
) -> None:
    db = notification_db
    await people_and_idea(db)
    for frequency in Frequency:
        for earlier in BEFORE.get(type(event), []):
            await _run(db, earlier, envelope_of(earlier))
        if frequency is Frequency.OFF and kind in MANDATORY_KINDS:
            with pytest.raises(PreferencesRefused, match=kind.value):
                await choose(db, recipients[0], {kind.value: frequency})
            continue
        for pid in recipients:
            await choose(db, pid, {kind.value: frequency})
        envelope = envelope_of(event)  # the same kind of event again, with an id of its own
        await _run(db, event, envelope)
        await _run(db, event, envelope)  # delivered twice: nothing twice

        def of_this(rows: list[Any], cause: str = envelope.id) -> list[tuple[str, str]]:
            """This event's rows of this kind (an event may tell other kinds to others)."""
            return sorted(
                (r.person_id, getattr(r, "frequency", "")) for r in rows
                if r.cause_event_id == cause and getattr(r, "kind", None) in (kind, None)
                and getattr(r, "template", kind) == kind
            )  # fmt: skip

        mails = of_this(list(await deliveries(db)))
        waiting = of_this(list(await digest_items(db)))
        items = of_this(list(await inbox_items(db)))
        assert items == sorted((p, "") for p in recipients), "the inbox always"
        if frequency is Frequency.IMMEDIATELY:
            assert (mails, waiting) == (sorted((p, "") for p in recipients), [])
        elif frequency is Frequency.OFF:
            assert (mails, waiting) == ([], [])
        else:
            assert (mails, waiting) == ([], sorted((p, frequency.value) for p in recipients))


@pytest.fixture
async def svc(start_service: StartService) -> AsyncIterator[RunningService]:
    async with start_service() as running:
        db = running.runtime.db
        await handle(db, handlers.on_person_upserted, person("p-1", roles=["employee"]))
        await handle(db, handlers.on_person_upserted, person("p-2", roles=["management"]))
        yield running


@pytest.mark.parametrize(
    ("method", "path"), [("GET", "/preferences/me"), ("PUT", "/preferences/me")]
)
async def test_preferences_need_a_token(svc: RunningService, method: str, path: str) -> None:
    response = await svc.client.request(method, path, json={"preferences": {}})
    assert response.status_code == 401
    assert response.headers["content-type"] == PROBLEM


async def test_every_kind_with_its_setting_default_and_whether_it_can_be_off(
    svc: RunningService, dev_keys: DevKeys
) -> None:
    response = await svc.client.get("/preferences/me", headers=dev_keys.headers("p-2"))
    assert response.status_code == 200
    items = {i["kind"]: i for i in response.json()["kinds"]}
    assert set(items) == {kind.value for kind in TemplateId}
    assert items["idea_commented"] == {
        "kind": "idea_commented",
        "frequency": "weekly",
        "default": "weekly",
        "chosen": False,
        "can_turn_off": True,
    }
    assert items["idea_needs_info"]["can_turn_off"] is False
    assert items["idea_accepted"]["frequency"] == "immediately"
    # Someone HR has not described (yet) gets the employee's defaults.
    unknown = await svc.client.get("/preferences/me", headers=dev_keys.headers("p-404"))
    assert {i["kind"]: i["default"] for i in unknown.json()["kinds"]}["idea_commented"] == "daily"


async def test_a_partial_update_changes_only_the_named_kinds_of_the_callers_own(
    svc: RunningService, dev_keys: DevKeys
) -> None:
    mine = dev_keys.headers("p-1")
    body = {"preferences": {"idea_commented": "off", "idea_accepted": "weekly"}}
    changed = await svc.client.put("/preferences/me", json=body, headers=mine)
    assert changed.status_code == 200, changed.text
    items = {i["kind"]: i for i in changed.json()["kinds"]}
    assert (items["idea_commented"]["frequency"], items["idea_commented"]["chosen"]) == (
        "off",
        True,
    )
    assert (items["idea_accepted"]["frequency"], items["idea_accepted"]["default"]) == (
        "weekly",
        "immediately",
    )
    assert items["reward_granted"] == {
        "kind": "reward_granted", "frequency": "immediately", "default": "immediately",
        "chosen": False, "can_turn_off": True,
    }  # fmt: skip
    again = (await svc.client.get("/preferences/me", headers=mine)).json()
    assert again == changed.json()
    # Back to the default with null; p-2's are untouched.
    reset = await svc.client.put(
        "/preferences/me", json={"preferences": {"idea_accepted": None}}, headers=mine
    )
    after = {i["kind"]: i for i in reset.json()["kinds"]}
    assert (after["idea_accepted"]["frequency"], after["idea_accepted"]["chosen"]) == (
        "immediately",
        False,
    )
    assert after["idea_commented"]["frequency"] == "off"
    theirs = await svc.client.get("/preferences/me", headers=dev_keys.headers("p-2"))
    assert not any(i["chosen"] for i in theirs.json()["kinds"])


@pytest.mark.parametrize(
    ("choices", "fields", "error_type"),
    [
        ({"idea_liked": "daily"}, ["preferences.idea_liked"], "unknown_kind"),
        ({"idea_needs_info": "off"}, ["preferences.idea_needs_info"], "cannot_turn_off"),
        (
            {"case_to_review": "off", "idea_commented": "daily", "x": "off"},
            ["preferences.case_to_review", "preferences.x"],
            None,
        ),
    ],
)
async def test_unknown_kinds_and_forbidden_offs_are_422_naming_each_and_change_nothing(
    svc: RunningService,
    dev_keys: DevKeys,
    choices: dict[str, str],
    fields: list[str],
    error_type: str | None,
) -> None:
    mine = dev_keys.headers("p-1")
    before = (await svc.client.get("/preferences/me", headers=mine)).json()
    response = await svc.client.put("/preferences/me", json={"preferences": choices}, headers=mine)
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    errors = response.json()["errors"]
    assert [e["field"] for e in errors] == fields
    if error_type is not None:
        assert errors[0]["type"] == error_type
    assert (await svc.client.get("/preferences/me", headers=mine)).json() == before


@pytest.mark.parametrize(
    "body",
    [
        {"preferences": {"idea_commented": "hourly"}},
        {"preferences": {"k" * 51: "daily"}},
        {"preferences": {}, "person_id": "p-2"},
        {"settings": {}},
    ],
)
async def test_malformed_bodies_are_422(
    svc: RunningService, dev_keys: DevKeys, body: dict[str, object]
) -> None:
    response = await svc.client.put("/preferences/me", json=body, headers=dev_keys.headers("p-1"))
    assert response.status_code == 422
