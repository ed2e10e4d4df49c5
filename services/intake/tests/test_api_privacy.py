"""The GDPR access report (``GET /privacy/persons/{id}``): everything intake holds on a person,
for the person themselves, HR and admins; nobody else; empty once they are erased."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from intake_testkit import AUTHOR, PNG_FILE, REVIEWER, TEST_SECRET, SettingsFor, running_intake
from person_history import ERASED, build_person_history, erase, every_value, naming

from ideapaja_intake.domain.pseudonym import citizen_person_id, former_person_id
from ideapaja_runtime.requester import ANONYMOUS_WITHHELD_NOTE, REQUESTED_BY_HEADER
from ideapaja_runtime.testing import DevKeys, RunningService

PATH = f"/privacy/persons/{ERASED}"


async def report(running: RunningService, headers: dict[str, str], path: str = PATH) -> Any:
    response = await running.client.get(path, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


async def test_the_report_lists_everything_held_on_the_person(
    org: RunningService, dev_keys: DevKeys
) -> None:
    history = await build_person_history(org, dev_keys)
    own = await report(org, dev_keys.headers(ERASED, "employee"))

    assert (own["id"], own["citizen_id"], own["erasure"]) == (ERASED, None, None)
    assert own["hr"]["unit_id"] == "u-kirjasto" and own["hr"]["active"] is True
    ideas = {i["idea_id"]: i for i in own["ideas"]}
    co_authored, anonymous = ideas[history.co_authored["id"]], ideas[history.anonymous["id"]]
    assert set(ideas) == {history.co_authored["id"], anonymous["idea_id"], history.by_form["id"]}
    # Their anonymous idea is theirs: listed with the pseudonym it shows.
    assert (anonymous["role"], anonymous["anonymous"], anonymous["author_ref"]) == (
        "submitter", True, history.anonymous["author_ref"]
    )  # fmt: skip
    assert (co_authored["role"], co_authored["confirmed"], co_authored["invited_by"]) == (
        "co_author", True, AUTHOR
    )  # fmt: skip
    assert ideas[history.by_form["id"]]["channel"] == "intranet_form"
    assert [(d["id"], d["content"]["title"]) for d in own["drafts"]] == [
        (history.draft_id, "Keskeneräinen")
    ]
    assert sorted((v["idea_id"], v["revision"], v["reason"]) for v in own["versions_edited"]) == (
        sorted(
            [
                (history.co_authored["id"], 2, "co_author_confirmed"),
                (history.anonymous["id"], 1, "submitted"),
                (history.by_form["id"], 1, "submitted"),
            ]
        )
    )
    assert [s["idea_id"] for s in own["supports"]] == [history.supported["id"]]
    assert sorted((c["idea_id"], c["shown_as"], c["body"]) for c in own["comments"]) == sorted(
        [
            (history.anonymous["id"], history.anonymous["author_ref"], history.anonymous_comment),
            (history.supported["id"], ERASED, "Hyvä idea!"),
        ]
    )
    [attachment] = own["attachments"]
    assert (attachment["id"], attachment["filename"], attachment["size"]) == (
        history.attachment_id, "kaavio.png", len(PNG_FILE)
    )  # fmt: skip
    assert "data" not in attachment  # metadata only
    assert [(a["idea_id"], a["kind"]) for a in own["timeline_actions"]] == [
        (history.supported["id"], "decided")
    ]
    assert [r["grant_id"] for r in own["rewards"]] == ["g-1"]
    keys = {k["key"]: k for k in own["idempotency_keys"]}
    form_key = f"form-token:{history.form_token_id}"
    assert set(keys) == {"k-erased-1", form_key}
    assert keys[form_key]["form_token_id"] == history.form_token_id
    assert keys["k-erased-1"]["location"] == f"/ideas/{history.anonymous['id']}"
    assert [w["submissions"] for w in own["rate_limit_windows"]] == [2]
    assert own["invitations_sent"] == [] and own["comments_hidden"] == []

    assert (own["anonymous_items_withheld"], own["withheld_note"]) == (0, None)

    # HR and admins read the same, except what would tell them who wrote the anonymous idea:
    # the idea, its version, the file and the comment under its pseudonym, the request that
    # created it; those are counted.
    anonymous_id = history.anonymous["id"]
    for role in ("hr", "admin"):
        other = await report(org, dev_keys.headers("p-9001", role))
        assert anonymous_id not in json.dumps(other), role
        assert other == {
            **own,
            "ideas": [i for i in own["ideas"] if i["idea_id"] != anonymous_id],
            "versions_edited": [v for v in own["versions_edited"] if v["idea_id"] != anonymous_id],
            "comments": [c for c in own["comments"] if c["idea_id"] != anonymous_id],
            "attachments": [],
            "idempotency_keys": [k for k in own["idempotency_keys"] if k["key"] != "k-erased-1"],
            "anonymous_items_withheld": 5,
            "withheld_note": ANONYMOUS_WITHHELD_NOTE,
        }, role
    inviter = await report(org, dev_keys.headers(AUTHOR, "employee"), f"/privacy/persons/{AUTHOR}")
    assert [(i["idea_id"], i["invited_person_id"]) for i in inviter["invitations_sent"]] == [
        (history.co_authored["id"], ERASED)
    ]

    # Once erased, nothing under their id is left to report.
    await erase(org)
    after = await report(org, dev_keys.headers("p-9001", "hr"))
    assert after["erasure"]["erasure_id"] == "er-1"
    assert {k: v for k, v in after.items() if v} == {
        "id": ERASED,
        "erasure": after["erasure"],
    }


async def test_only_the_privacy_service_reports_on_a_persons_behalf(
    org: RunningService, dev_keys: DevKeys
) -> None:
    """``Ideapaja-Requested-By`` counts from the privacy service's token alone: HR claiming to
    ask for the person gets HR's report, the privacy service asking for them gets theirs, and
    the privacy service naming HR (or nobody, or a malformed id) gets HR's."""
    history = await build_person_history(org, dev_keys)
    anonymous_id = history.anonymous["id"]
    own = await report(org, dev_keys.headers(ERASED, "employee"))
    hr = dev_keys.headers("p-9001", "hr")
    as_hr = await report(org, hr)
    assert as_hr["anonymous_items_withheld"] == 5 and anonymous_id not in json.dumps(as_hr)

    forged = await report(org, {**hr, REQUESTED_BY_HEADER: ERASED})
    assert forged == as_hr
    # Another service's token cannot read reports at all, with or without the header.
    reward = dev_keys.headers("service:reward", "reward-service")
    refused = await org.client.get(PATH, headers={**reward, REQUESTED_BY_HEADER: ERASED})
    assert (refused.status_code, refused.json()["reason"]) == (403, "role")

    privacy = dev_keys.headers("service:privacy", "privacy-service")
    assert await report(org, {**privacy, REQUESTED_BY_HEADER: ERASED}) == own
    for on_behalf_of in ({REQUESTED_BY_HEADER: "p-9001"}, {}, {REQUESTED_BY_HEADER: "p-1 x"}):
        assert await report(org, {**privacy, **on_behalf_of}) == as_hr, on_behalf_of


@pytest.mark.parametrize(
    ("caller", "roles"),
    [
        (AUTHOR, ("employee",)),
        (REVIEWER, ("change_agent",)),
        (REVIEWER, ("supervisor", "committee_member", "management", "reward_approver")),
        ("suomifi-1", ("citizen",)),
    ],
)
async def test_nobody_else_reads_a_persons_report(
    intake: RunningService, dev_keys: DevKeys, caller: str, roles: tuple[str, ...]
) -> None:
    response = await intake.client.get(PATH, headers=dev_keys.headers(caller, *roles))
    assert response.status_code == 403, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["reason"] == "object"
    assert (await intake.client.get(PATH)).status_code == 401


@pytest.fixture
async def citizens(settings_for: SettingsFor, sqlite_url: str) -> AsyncIterator[RunningService]:
    async with running_intake(settings_for(sqlite_url, citizen_channel_enabled=True)) as running:
        yield running


async def test_a_citizen_reads_their_report_and_is_erased_by_their_subject(
    citizens: RunningService, dev_keys: DevKeys
) -> None:
    subject = "suomifi-777"
    citizen_id = citizen_person_id(TEST_SECRET, subject)
    headers = dev_keys.headers(subject, "citizen")
    created = await citizens.client.post(
        "/citizen/ideas",
        json={"title": "Penkki puistoon", "problem": "Ei paikkaa.", "solution": "Penkki.",
              "unit_id": "u-kirjasto"},
        headers={**headers, "Idempotency-Key": "c-1"},
    )  # fmt: skip
    assert created.status_code == 201, created.text
    idea_id = created.json()["id"]

    own = await report(citizens, headers, f"/privacy/persons/{subject}")
    assert own["citizen_id"] == citizen_id
    assert [(i["idea_id"], i["channel"]) for i in own["ideas"]] == [(idea_id, "citizen")]
    assert [k["key"] for k in own["idempotency_keys"]] == ["c-1"]
    assert [w["submissions"] for w in own["rate_limit_windows"]] == [1]

    await erase(citizens, subject)
    values = await every_value(citizens.runtime)
    assert naming(values, citizen_id) == [] and naming(values, subject) == []
    after = await report(citizens, headers, f"/privacy/persons/{subject}")
    assert (after["citizen_id"], after["ideas"], after["idempotency_keys"]) == (None, [], [])
    # The idea stays, by a former citizen.
    assert ("idea_authors", "person_id", former_person_id(TEST_SECRET, citizen_id)) in values
    assert any(t == "ideas" and v == idea_id for t, _, v in values)
