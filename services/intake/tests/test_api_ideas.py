"""Idea content, drafts, edits, withdrawal, idempotency and the submission rate limit."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from intake_testkit import (
    AUTHOR,
    COLLEAGUE,
    REVIEWER,
    SettingsFor,
    assert_problem,
    count_rows,
    idea_payload,
    outbox_events,
    outbox_rows,
    post_idea,
)
from sqlalchemy import func, select

from ideapaja_intake.app import service
from ideapaja_intake.db.models import Idea, IdeaAuthor, IdeaDraft, IdempotencyRecord
from ideapaja_intake.domain.idempotency import fingerprint
from ideapaja_runtime.testing import DevKeys, RunningService, running_service

# --- content -------------------------------------------------------------------------------------


async def test_full_content_is_kept(org: RunningService, dev_keys: DevKeys) -> None:
    idea = await post_idea(
        org,
        dev_keys,
        category="services",
        benefit_kinds=["time", "customer", "time"],
        scope="department",
        unit_id="d-sivistys",
        language="sv",
        title="Bibliotekets öppettider",
    )
    assert idea["category"] == "services"
    assert idea["benefit_kinds"] == ["time", "customer"]
    assert (idea["scope"], idea["unit_id"], idea["language"]) == ("department", "d-sivistys", "sv")
    [event] = await outbox_events(org.runtime, "idea.submitted")
    assert event["scope"] == "department" and event["language"] == "sv"


async def test_categories_and_benefit_kinds_have_three_languages(
    org: RunningService, dev_keys: DevKeys
) -> None:
    catalogue = (
        await org.client.get("/categories", headers=dev_keys.headers(AUTHOR, "employee"))
    ).json()
    services = next(c for c in catalogue["categories"] if c["id"] == "services")
    assert (services["fi"], services["sv"], services["en"]) == ("Palvelut", "Tjänster", "Services")
    assert {b["id"] for b in catalogue["benefit_kinds"]} == {
        "time", "money", "quality", "wellbeing", "customer"
    }  # fmt: skip


async def test_wrong_references_are_named_together(org: RunningService, dev_keys: DevKeys) -> None:
    response = await org.client.post(
        "/ideas",
        json=idea_payload(
            unit_id="u-olematon",
            category="lottery",
            team_unit_id="u-olematon",
            co_author_ids=["p-9999", AUTHOR],
        ),
        headers=dev_keys.headers(AUTHOR, "employee"),
    )
    body = assert_problem(response, 422)
    fields = [e["field"] for e in body["errors"]]
    assert sorted(fields) == ["category", "co_author_ids", "co_author_ids", "team_unit_id",
                              "unit_id"]  # fmt: skip
    assert "p-9999" in body["detail"]
    assert await count_rows(org.runtime, Idea) == 0
    assert await outbox_rows(org.runtime) == []


async def test_a_team_submits_as_its_unit(org: RunningService, dev_keys: DevKeys) -> None:
    # HR says p-1001 works in the library: the library's work community may be the author.
    idea = await post_idea(org, dev_keys, team_unit_id="u-kirjasto")
    assert idea["team_unit_id"] == "u-kirjasto"
    [event] = await outbox_events(org.runtime, "idea.submitted")
    assert event["team_unit_id"] == "u-kirjasto"
    # …but not the museum's, unless the token says the submitter belongs there.
    refused = await org.client.post(
        "/ideas",
        json=idea_payload(team_unit_id="u-museo"),
        headers=dev_keys.headers(AUTHOR, "employee"),
    )
    assert [e["field"] for e in assert_problem(refused, 422)["errors"]] == ["team_unit_id"]
    allowed = await org.client.post(
        "/ideas",
        json=idea_payload(team_unit_id="u-museo"),
        headers=dev_keys.headers(AUTHOR, "employee", units=["u-museo"]),
    )
    assert allowed.status_code == 201


# --- drafts --------------------------------------------------------------------------------------


async def test_draft_save_edit_and_submit(org: RunningService, dev_keys: DevKeys) -> None:
    headers = dev_keys.headers(AUTHOR, "employee")
    created = await org.client.post("/drafts", json={"title": "Keskeneräinen"}, headers=headers)
    assert created.status_code == 201, created.text
    draft = created.json()
    assert draft["status"] == "draft" and created.headers["location"] == f"/drafts/{draft['id']}"
    assert await outbox_rows(org.runtime) == []

    incomplete = await org.client.post(f"/drafts/{draft['id']}/submit", headers=headers)
    body = assert_problem(incomplete, 422)
    assert {e["field"] for e in body["errors"]} >= {"problem", "solution", "scope", "unit_id"}

    # Someone else neither sees nor submits it.
    other = dev_keys.headers(COLLEAGUE, "employee")
    assert_problem(await org.client.get(f"/drafts/{draft['id']}", headers=other), 404)
    assert (await org.client.get("/drafts", headers=other)).json()["items"] == []

    full = {k: v for k, v in idea_payload().items()}
    saved = await org.client.put(f"/drafts/{draft['id']}", json=full, headers=headers)
    assert saved.status_code == 200 and saved.json()["content"]["title"] == full["title"]
    drafts = (await org.client.get("/drafts", headers=headers)).json()
    [listed] = drafts["items"]
    assert listed["id"] == draft["id"] and drafts["total"] == 1

    submitted = await org.client.post(f"/drafts/{draft['id']}/submit", headers=headers)
    assert submitted.status_code == 201, submitted.text
    assert submitted.json()["id"] == draft["id"] and submitted.json()["status"] == "submitted"
    assert await count_rows(org.runtime, IdeaDraft) == 0
    [event] = await outbox_events(org.runtime, "idea.submitted")
    assert event["idea_id"] == draft["id"]


async def test_drafts_are_validated_and_deleted(org: RunningService, dev_keys: DevKeys) -> None:
    headers = dev_keys.headers(AUTHOR, "employee")
    refused = await org.client.post(
        "/drafts", json={"title": "", "problem": "x" * 5001, "notes": 1}, headers=headers
    )
    assert {e["field"] for e in assert_problem(refused, 422)["errors"]} == {
        "title", "problem", "notes"
    }  # fmt: skip
    draft = (await org.client.post("/drafts", json={"title": "Pois"}, headers=headers)).json()
    deleted = await org.client.delete(f"/drafts/{draft['id']}", headers=headers)
    assert deleted.status_code == 204
    assert_problem(await org.client.get(f"/drafts/{draft['id']}", headers=headers), 404)


# --- edits, versions, withdrawal -----------------------------------------------------------------


def edit_of(idea: dict[str, Any], **changes: Any) -> dict[str, Any]:
    body = {
        "revision": idea["revision"],
        "title": idea["title"],
        "problem": idea["problem"],
        "solution": idea["solution"],
        "benefit": idea["benefit"],
    }
    body.update(changes)
    return body


async def test_edits_are_versioned_and_announced(org: RunningService, dev_keys: DevKeys) -> None:
    idea = await post_idea(org, dev_keys, anonymous=True)
    headers = dev_keys.headers(AUTHOR, "employee")
    path = f"/ideas/{idea['id']}"

    edited = await org.client.put(
        path, json=edit_of(idea, solution="Avataan myös lauantaisin."), headers=headers
    )
    assert edited.status_code == 200, edited.text
    assert (
        edited.json()["revision"] == 2 and edited.json()["solution"] == "Avataan myös lauantaisin."
    )

    # The same edit again changes nothing; an edit of an old revision is a conflict.
    same = await org.client.put(path, json=edit_of(edited.json()), headers=headers)
    assert same.json()["revision"] == 2
    stale = await org.client.put(path, json=edit_of(idea, title="Vanha"), headers=headers)
    assert assert_problem(stale, 409)["revision"] == 2

    page = (await org.client.get(f"{path}/versions", headers=headers)).json()
    assert (page["total"], page["next_cursor"]) == (2, None)
    versions = page["items"]
    assert [(v["revision"], v["reason"], v["edited_by"]) for v in versions] == [
        (1, "submitted", AUTHOR),
        (2, "edited", AUTHOR),
    ]
    assert versions[0]["solution"] == idea["solution"]
    # Reviewers see who edited an anonymous idea only by its pseudonym.
    seen = await org.client.get(
        f"{path}/versions", headers=dev_keys.headers(REVIEWER, "change_agent")
    )
    assert {v["edited_by"] for v in seen.json()["items"]} == {idea["author_ref"]}
    # Oldest first, a page at a time.
    first = (await org.client.get(f"{path}/versions?limit=1", headers=headers)).json()
    rest = (
        await org.client.get(
            f"{path}/versions", params={"limit": 1, "cursor": first["next_cursor"]}, headers=headers
        )
    ).json()
    assert [v["revision"] for v in first["items"] + rest["items"]] == [1, 2]
    assert rest["next_cursor"] is None

    [update] = await outbox_events(org.runtime, "idea.updated")
    assert (update["revision"], update["edited_by"]) == (2, idea["author_ref"])
    assert update["solution"] == "Avataan myös lauantaisin."


async def test_only_authors_edit_and_only_while_editable(
    org: RunningService, dev_keys: DevKeys
) -> None:
    idea = await post_idea(org, dev_keys)
    path = f"/ideas/{idea['id']}"
    other = await org.client.put(
        path, json=edit_of(idea), headers=dev_keys.headers(COLLEAGUE, "employee")
    )
    assert_problem(other, 403)
    headers = dev_keys.headers(AUTHOR, "employee")
    withdrawn = await org.client.post(
        f"{path}/withdraw", json={"reason": "Toteutui jo muuta kautta"}, headers=headers
    )
    assert withdrawn.status_code == 200, withdrawn.text
    assert withdrawn.json()["status"] == "withdrawn"
    history = withdrawn.json()["history"]
    assert (history[-1]["kind"], history[-1]["decided_by"], history[-1]["note"]) == (
        "withdrawn", AUTHOR, "Toteutui jo muuta kautta"
    )  # fmt: skip
    body = assert_problem(await org.client.put(path, json=edit_of(idea), headers=headers), 409)
    assert body["allowed"] == ["needs_info", "submitted"]
    assert_problem(await org.client.post(f"{path}/withdraw", json={}, headers=headers), 409)
    [event] = await outbox_events(org.runtime, "idea.withdrawn")
    assert (event["withdrawn_by"], event["reason"]) == (AUTHOR, "Toteutui jo muuta kautta")


# --- idempotency ---------------------------------------------------------------------------------


async def test_same_key_and_body_return_the_first_answer(
    org: RunningService, dev_keys: DevKeys
) -> None:
    headers = {**dev_keys.headers(AUTHOR, "employee"), "Idempotency-Key": "k-1"}
    first = await org.client.post("/ideas", json=idea_payload(), headers=headers)
    # The same content, other formatting and field order: the same request.
    reordered = dict(reversed(list(idea_payload().items())))
    again = await org.client.post(
        "/ideas",
        content=json.dumps(reordered, indent=2).encode(),
        headers={**headers, "Content-Type": "application/json"},
    )
    assert (first.status_code, again.status_code) == (201, 201), again.text
    assert again.json() == first.json()
    assert again.headers["location"] == first.headers["location"]
    assert again.headers["idempotent-replayed"] == "true"
    assert await count_rows(org.runtime, Idea) == 1
    assert len(await outbox_rows(org.runtime)) == 1

    changed = await org.client.post(
        "/ideas", json=idea_payload(title="Toinen idea"), headers=headers
    )
    body = assert_problem(changed, 422)
    assert body["errors"][0]["field"] == "Idempotency-Key"
    assert await count_rows(org.runtime, Idea) == 1


async def test_keys_belong_to_their_caller(org: RunningService, dev_keys: DevKeys) -> None:
    for person in (AUTHOR, COLLEAGUE):
        response = await org.client.post(
            "/ideas",
            json=idea_payload(),
            headers={**dev_keys.headers(person, "employee"), "Idempotency-Key": "shared"},
        )
        assert response.status_code == 201 and "idempotent-replayed" not in response.headers
    assert await count_rows(org.runtime, Idea) == 2


async def test_a_key_names_the_route_template_and_its_parameters(
    org: RunningService, dev_keys: DevKeys
) -> None:
    """The operation a key is remembered for is the method and the route's template (``POST
    /ideas/{idea_id}/comments``), with the path's parameters beside the content: the same key and
    body on another idea is another request (refused), never the first idea's comment again."""
    first, second = (await post_idea(org, dev_keys))["id"], (await post_idea(org, dev_keys))["id"]
    headers = {**dev_keys.headers(COLLEAGUE, "employee"), "Idempotency-Key": "comment-1"}
    body = {"body": "Hyvä idea!"}
    created = await org.client.post(f"/ideas/{first}/comments", json=body, headers=headers)
    assert created.status_code == 201, created.text
    again = await org.client.post(f"/ideas/{first}/comments", json=body, headers=headers)
    assert again.headers["idempotent-replayed"] == "true" and again.json() == created.json()
    elsewhere = await org.client.post(f"/ideas/{second}/comments", json=body, headers=headers)
    assert assert_problem(elsewhere, 422)["errors"][0]["field"] == "Idempotency-Key"

    async with org.runtime.db.transaction() as session:
        [record] = (
            await session.scalars(
                select(IdempotencyRecord).where(IdempotencyRecord.key == "comment-1")
            )
        ).all()
    assert record.fingerprint == fingerprint(
        "POST /ideas/{idea_id}/comments", body, {"idea_id": first}
    )


async def test_a_refused_request_does_not_use_up_its_key(
    org: RunningService, dev_keys: DevKeys
) -> None:
    headers = {**dev_keys.headers(AUTHOR, "employee"), "Idempotency-Key": "retry-me"}
    refused = await org.client.post(
        "/ideas", json=idea_payload(unit_id="u-olematon"), headers=headers
    )
    assert_problem(refused, 422)
    assert await count_rows(org.runtime, IdempotencyRecord) == 0
    fixed = await org.client.post("/ideas", json=idea_payload(), headers=headers)
    assert fixed.status_code == 201


async def test_malformed_keys_are_refused(org: RunningService, dev_keys: DevKeys) -> None:
    for key in ("", "has space", "x" * 256, "ääkkönen"):
        response = await org.client.post(
            "/ideas",
            json=idea_payload(),
            headers={**dev_keys.headers(AUTHOR, "employee"), "Idempotency-Key": key.encode()},
        )
        assert response.status_code == 422, key
    assert await count_rows(org.runtime, Idea) == 0


async def test_concurrent_retries_create_one_idea(
    org_any_db: RunningService, dev_keys: DevKeys
) -> None:
    headers = {**dev_keys.headers(AUTHOR, "employee"), "Idempotency-Key": "double-click"}
    answers = await asyncio.gather(
        *(org_any_db.client.post("/ideas", json=idea_payload(), headers=headers) for _ in range(4))
    )
    assert {a.status_code for a in answers} == {201}
    assert len({a.json()["id"] for a in answers}) == 1
    assert await count_rows(org_any_db.runtime, Idea) == 1


# --- rate limit ----------------------------------------------------------------------------------


async def test_submissions_are_limited_per_person_across_replicas(
    settings_for: SettingsFor, database_url: str, dev_keys: DevKeys
) -> None:
    settings = settings_for(database_url, submissions_per_hour=3)
    async with (
        running_service(service, settings) as first,
        running_service(service, settings) as second,
    ):
        from intake_testkit import seed_units

        await seed_units(first.runtime)
        headers = dev_keys.headers(AUTHOR, "employee")
        replicas = [first, second, first]
        for replica in replicas:
            response = await replica.client.post("/ideas", json=idea_payload(), headers=headers)
            assert response.status_code == 201, response.text
        limited = await second.client.post("/ideas", json=idea_payload(), headers=headers)
        body = assert_problem(limited, 429)
        retry_after = int(limited.headers["retry-after"])
        assert 1 <= retry_after <= 3600 and body["retry_after"] == retry_after
        # Drafts are not submissions, and other people have their own count.
        colleague = await first.client.post(
            "/ideas", json=idea_payload(), headers=dev_keys.headers(COLLEAGUE, "employee")
        )
        assert colleague.status_code == 201
        async with first.runtime.db.transaction() as session:
            ideas = await session.scalar(select(func.count()).select_from(Idea))
        assert ideas == 4


async def test_invited_co_authors_are_not_authors_until_they_confirm(
    org: RunningService, dev_keys: DevKeys
) -> None:
    idea = await post_idea(org, dev_keys, co_author_ids=[COLLEAGUE])
    assert idea["author_ids"] == [AUTHOR] and idea["invited_ids"] == [COLLEAGUE]
    [event] = await outbox_events(org.runtime, "idea.submitted")
    assert event["author_ids"] == [AUTHOR]
    async with org.runtime.db.transaction() as session:
        invited = await session.get(IdeaAuthor, (idea["id"], COLLEAGUE))
        assert invited is not None and invited.confirmed_at is None
