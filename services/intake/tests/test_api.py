"""The HTTP API of the running service (SQLite; PostgreSQL where storage matters)."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlencode

import pytest
from httpx import ASGITransport, AsyncClient
from intake_testkit import (
    AUTHOR,
    COLLEAGUE,
    REVIEWER,
    SettingsFor,
    assert_problem,
    count_rows,
    form_payload,
    idea_payload,
    outbox_rows,
    post_idea,
    running_intake,
)

from ideapaja_contracts.base import ID_PATTERN
from ideapaja_intake.db.models import Idea, IdeaAuthor, IdeaStatusChange
from ideapaja_intake.domain.pseudonym import author_pseudonym
from ideapaja_intake.usecases import submissions
from ideapaja_runtime.testing import DevKeys, RunningService

THANK_YOU = "https://intranet.example.fi/ideat/kiitos?lang=fi"
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.fixture
async def intake_with_thank_you(
    settings_for: SettingsFor, sqlite_url: str
) -> AsyncIterator[RunningService]:
    settings = settings_for(sqlite_url, form_thank_you_url=THANK_YOU)
    async with running_intake(settings) as running:
        yield running


# --- submitting ----------------------------------------------------------------------------------


async def test_json_submission_is_stored_with_its_event(
    intake_any_db: RunningService, dev_keys: DevKeys
) -> None:
    response = await intake_any_db.client.post(
        "/ideas", json=idea_payload(), headers=dev_keys.headers(AUTHOR, "employee")
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert re.fullmatch(ID_PATTERN, body["id"]) and body["id"].startswith("i-")
    assert response.headers["location"] == f"/ideas/{body['id']}"
    assert body["status"] == "submitted"
    assert body["channel"] == "api"
    assert body["author_ids"] == [AUTHOR]
    assert body["revision"] == 1
    assert body["author_ref"] == author_pseudonym(
        "test-pseudonym-secret-0123456789", body["id"], AUTHOR
    )
    assert [h["status"] for h in body["history"]] == ["submitted"]
    assert body["history"][0]["decided_by"] is None

    [row] = await outbox_rows(intake_any_db.runtime)
    assert row["subject"] == "ideapaja.idea.submitted.v1"
    assert row["headers"]["ce-subject"] == body["id"]
    event = json.loads(row["body"])
    assert event["idea_id"] == body["id"]
    assert event["author_ids"] == [AUTHOR]
    assert event["author_ref"] == body["author_ref"]
    assert event["channel"] == "api"
    assert event["title"] == idea_payload()["title"]


async def test_any_staff_role_may_submit(intake: RunningService, dev_keys: DevKeys) -> None:
    response = await intake.client.post(
        "/ideas", json=idea_payload(), headers=dev_keys.headers("p-hr", "hr")
    )
    assert response.status_code == 201


async def test_a_token_without_a_staff_role_may_not_submit(
    intake: RunningService, dev_keys: DevKeys
) -> None:
    response = await intake.client.post(
        "/ideas", json=idea_payload(), headers=dev_keys.headers("p-x", "citizen")
    )
    assert_problem(response, 403)


async def test_form_from_a_browser_redirects_to_the_thank_you_page(
    intake_with_thank_you: RunningService, dev_keys: DevKeys
) -> None:
    headers = {**dev_keys.headers(AUTHOR, "employee"), "Accept": BROWSER_ACCEPT}
    response = await intake_with_thank_you.client.post(
        "/ideas/form", data=form_payload(anonymous=True), headers=headers
    )
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    match = re.fullmatch(
        r"https://intranet\.example\.fi/ideat/kiitos\?lang=fi&idea=(i-[0-9a-f]{32})", location
    )
    assert match, location
    [row] = await outbox_rows(intake_with_thank_you.runtime)
    event = json.loads(row["body"])
    assert event["idea_id"] == match.group(1)
    assert event["channel"] == "intranet_form"
    assert event["anonymous"] is True


async def test_form_asked_for_json_answers_201(
    intake_with_thank_you: RunningService, dev_keys: DevKeys
) -> None:
    headers = {**dev_keys.headers(AUTHOR, "employee"), "Accept": "application/json"}
    response = await intake_with_thank_you.client.post(
        "/ideas/form", data=form_payload(), headers=headers
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["channel"] == "intranet_form"
    assert body["anonymous"] is False
    assert response.headers["location"] == f"/ideas/{body['id']}"


async def test_form_without_a_thank_you_page_answers_201(
    intake: RunningService, dev_keys: DevKeys
) -> None:
    # A program asking for JSON gets the idea; a person's browser gets intake's thank-you page
    # (issue 12: never raw JSON for a person).
    headers = {**dev_keys.headers(AUTHOR, "employee"), "Accept": "application/json"}
    response = await intake.client.post("/ideas/form", data=form_payload(), headers=headers)
    assert response.status_code == 201, response.text
    assert response.json()["status"] == "submitted"
    browser = {**dev_keys.headers(AUTHOR, "employee"), "Accept": BROWSER_ACCEPT}
    page = await intake.client.post("/ideas/form", data=form_payload(), headers=browser)
    assert page.status_code == 201, page.text
    assert page.headers["content-type"].startswith("text/html")


async def test_form_fields_are_validated_like_json(
    intake: RunningService, dev_keys: DevKeys
) -> None:
    response = await intake.client.post(
        "/ideas/form",
        data=form_payload(title="ab", comment="extra"),
        headers=dev_keys.headers(AUTHOR, "employee"),
    )
    body = assert_problem(response, 422)
    assert {(e["field"], e["type"]) for e in body["errors"]} == {
        ("title", "string_too_short"),
        ("comment", "extra_forbidden"),
    }


# --- refusals ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/ideas"),
        ("POST", "/ideas/form"),
        ("GET", "/ideas/i-1"),
        ("GET", "/ideas?mine=true"),
        ("GET", "/units"),
    ],
)
async def test_every_endpoint_needs_a_token(
    intake: RunningService, dev_keys: DevKeys, method: str, path: str
) -> None:
    response = await intake.client.request(method, path)
    assert_problem(response, 401)
    assert response.headers["www-authenticate"].startswith("Bearer")
    forged = await intake.client.request(
        method, path, headers={"Authorization": "Bearer not.a.token"}
    )
    assert_problem(forged, 401)


async def test_unknown_unit_is_named_and_nothing_is_stored(
    intake_any_db: RunningService, dev_keys: DevKeys
) -> None:
    response = await intake_any_db.client.post(
        "/ideas",
        json=idea_payload(unit_id="u-olematon"),
        headers=dev_keys.headers(AUTHOR, "employee"),
    )
    body = assert_problem(response, 422)
    assert [e["field"] for e in body["errors"]] == ["unit_id"]
    assert "u-olematon" in body["detail"]
    assert await count_rows(intake_any_db.runtime, Idea) == 0
    assert await outbox_rows(intake_any_db.runtime) == []


async def test_unknown_field_is_refused(intake: RunningService, dev_keys: DevKeys) -> None:
    response = await intake.client.post(
        "/ideas",
        json=idea_payload(author_ids=["p-9999"]),
        headers=dev_keys.headers(AUTHOR, "employee"),
    )
    body = assert_problem(response, 422)
    assert [(e["field"], e["type"]) for e in body["errors"]] == [("author_ids", "extra_forbidden")]
    assert await count_rows(intake.runtime, Idea) == 0


async def test_body_over_the_limit_is_refused(intake: RunningService, dev_keys: DevKeys) -> None:
    limit = intake.runtime.settings.max_body_bytes
    response = await intake.client.post(
        "/ideas",
        json=idea_payload(problem="x" * (limit + 1)),
        headers=dev_keys.headers(AUTHOR, "employee"),
    )
    assert_problem(response, 413)
    form = await intake.client.post(
        "/ideas/form",
        data=form_payload(problem="x" * (limit + 1)),
        headers=dev_keys.headers(AUTHOR, "employee"),
    )
    assert_problem(form, 413)

    async def chunked(body: bytes) -> AsyncIterator[bytes]:  # no Content-Length
        for start in range(0, len(body), 65536):
            yield body[start : start + 65536]

    form_body = urlencode(form_payload(problem="x" * (limit + 1))).encode()
    for path, body, media_type in [
        ("/ideas/form", form_body, "application/x-www-form-urlencoded"),
        (
            "/ideas",
            json.dumps(idea_payload(problem="x" * (limit + 1))).encode(),
            "application/json",
        ),
    ]:
        response = await intake.client.post(
            path,
            content=chunked(body),
            headers={**dev_keys.headers(AUTHOR, "employee"), "content-type": media_type},
        )
        assert_problem(response, 413)
    assert await count_rows(intake.runtime, Idea) == 0


async def test_a_failure_midway_leaves_no_idea_and_no_event(
    intake_any_db: RunningService, dev_keys: DevKeys, monkeypatch: pytest.MonkeyPatch
) -> None:
    inserted = submissions.insert_ideas

    def inserts_then_fails(*args: Any) -> None:
        inserted(*args)
        raise RuntimeError("database went away after the inserts")

    monkeypatch.setattr(submissions, "insert_ideas", inserts_then_fails)
    transport = ASGITransport(app=intake_any_db.app, raise_app_exceptions=False)
    async with AsyncClient(transport=transport, base_url="http://testserver") as client:
        response = await client.post(
            "/ideas", json=idea_payload(), headers=dev_keys.headers(AUTHOR, "employee")
        )
    assert_problem(response, 500)
    for table in (Idea, IdeaAuthor, IdeaStatusChange):
        assert await count_rows(intake_any_db.runtime, table) == 0
    assert await outbox_rows(intake_any_db.runtime) == []


# --- reading -------------------------------------------------------------------------------------


async def test_anonymous_authors_are_shown_only_to_themselves(
    intake: RunningService, dev_keys: DevKeys
) -> None:
    created = await post_idea(intake, dev_keys, anonymous=True)
    path = f"/ideas/{created['id']}"

    own = await intake.client.get(path, headers=dev_keys.headers(AUTHOR, "employee"))
    assert own.status_code == 200
    assert own.json()["author_ids"] == [AUTHOR]

    for person, role in [
        (REVIEWER, "change_agent"),
        ("p-admin", "admin"),
        ("p-jory", "management"),
    ]:
        seen = await intake.client.get(path, headers=dev_keys.headers(person, role))
        assert seen.status_code == 200, (role, seen.text)
        body = seen.json()
        assert body["author_ids"] is None
        assert body["author_ref"] == created["author_ref"]
        assert body["anonymous"] is True
        assert AUTHOR not in seen.text

    colleague = await intake.client.get(path, headers=dev_keys.headers(COLLEAGUE, "employee"))
    assert_problem(colleague, 403)


async def test_named_authors_are_shown_to_reviewers(
    intake: RunningService, dev_keys: DevKeys
) -> None:
    created = await post_idea(intake, dev_keys)
    response = await intake.client.get(
        f"/ideas/{created['id']}", headers=dev_keys.headers(REVIEWER, "committee_member")
    )
    assert response.json()["author_ids"] == [AUTHOR]


async def test_missing_idea_is_404(intake: RunningService, dev_keys: DevKeys) -> None:
    response = await intake.client.get(
        "/ideas/i-missing", headers=dev_keys.headers(REVIEWER, "change_agent")
    )
    body = assert_problem(response, 404)
    assert body["title"] == "Idea not found"


async def test_my_ideas_newest_first_with_paging(intake: RunningService, dev_keys: DevKeys) -> None:
    mine = [(await post_idea(intake, dev_keys, title=f"Idea {n}"))["id"] for n in range(3)]
    await post_idea(intake, dev_keys, person=COLLEAGUE)
    headers = dev_keys.headers(AUTHOR, "employee")

    page = (await intake.client.get("/ideas?mine=true&limit=2", headers=headers)).json()
    assert (page["total"], page["limit"]) == (3, 2)
    assert [i["id"] for i in page["items"]] == [mine[2], mine[1]]
    cursor = page["next_cursor"]
    rest = (
        await intake.client.get(
            "/ideas", params={"mine": "true", "limit": 2, "cursor": cursor}, headers=headers
        )
    ).json()
    assert [i["id"] for i in rest["items"]] == [mine[0]]
    assert rest["next_cursor"] is None
    assert "author_ids" not in rest["items"][0]
    assert rest["items"][0]["language"] == "fi"
    # Offsets are gone: the parameter is refused rather than ignored.
    assert_problem(
        await intake.client.get("/ideas?mine=true&limit=2&offset=2", headers=headers), 422
    )

    assert_problem(await intake.client.get("/ideas?mine=true&limit=101", headers=headers), 422)
    assert_problem(await intake.client.get("/ideas", headers=headers), 403)
    everyone = await intake.client.get("/ideas", headers=dev_keys.headers(REVIEWER, "supervisor"))
    assert everyone.json()["total"] == 4


async def test_units_for_the_form(intake: RunningService, dev_keys: DevKeys) -> None:
    headers = dev_keys.headers(AUTHOR, "employee")
    page = (await intake.client.get("/units", headers=headers)).json()
    assert (page["total"], page["next_cursor"]) == (2, None)
    units = page["items"]
    assert [(u["id"], u["kind"], u["parent_id"]) for u in units] == [
        ("d-sivistys", "department", None),
        ("u-kirjasto", "unit", "d-sivistys"),
    ]
    assert units[1]["name_sv"] == "Biblioteket"
    only_units = (await intake.client.get("/units?kind=unit", headers=headers)).json()
    assert [u["id"] for u in only_units["items"]] == ["u-kirjasto"]
    first = (await intake.client.get("/units?limit=1", headers=headers)).json()
    assert [u["id"] for u in first["items"]] == ["d-sivistys"]
    second = (
        await intake.client.get(
            "/units", params={"limit": 1, "cursor": first["next_cursor"]}, headers=headers
        )
    ).json()
    assert [u["id"] for u in second["items"]] == ["u-kirjasto"]


async def test_openapi_documents_every_route(intake: RunningService) -> None:
    spec = (await intake.client.get("/openapi.json")).json()
    for path, method in [
        ("/ideas", "post"),
        ("/ideas/form", "post"),
        ("/ideas/{idea_id}", "get"),
        ("/ideas", "get"),
        ("/units", "get"),
    ]:
        operation = spec["paths"][path][method]
        assert operation["summary"]
        assert (
            "application/json"
            in operation["responses"]["201" if method == "post" else "200"]["content"]
        )
    form_body = spec["paths"]["/ideas/form"]["post"]["requestBody"]["content"]
    assert "application/x-www-form-urlencoded" in form_body
