"""Colleagues and co-authors: public view, supports, comments and moderation, co-authors,
attachments."""

from __future__ import annotations

from typing import Any

from intake_testkit import (
    AUTHOR,
    COLLEAGUE,
    PNG_FILE,
    REVIEWER,
    assert_problem,
    count_rows,
    docx_bytes,
    outbox_events,
    post_idea,
    running_intake,
)

from ideapaja_intake.db.models import IdeaAttachment, IdeaComment, IdeaSupport
from ideapaja_runtime.testing import DevKeys, RunningService

PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n"


# --- the public view -----------------------------------------------------------------------------


async def test_colleagues_see_public_ideas_without_anonymous_authors(
    org: RunningService, dev_keys: DevKeys
) -> None:
    anonymous = await post_idea(org, dev_keys, anonymous=True, title="Nimetön idea")
    named = await post_idea(org, dev_keys, title="Nimetty idea")
    colleague = dev_keys.headers(COLLEAGUE, "employee")

    seen = (await org.client.get(f"/public/ideas/{anonymous['id']}", headers=colleague)).json()
    assert seen["author_ids"] is None and seen["author_ref"] == anonymous["author_ref"]
    assert [t["kind"] for t in seen["timeline"]] == ["submitted"]
    assert seen["timeline"][0]["by"] is None
    assert AUTHOR not in str(seen)
    named_view = (await org.client.get(f"/public/ideas/{named['id']}", headers=colleague)).json()
    assert named_view["author_ids"] == [AUTHOR]
    # The author sees their own anonymous idea with their name.
    own = await org.client.get(
        f"/public/ideas/{anonymous['id']}", headers=dev_keys.headers(AUTHOR, "employee")
    )
    assert own.json()["author_ids"] == [AUTHOR]

    listed = (await org.client.get("/public/ideas", headers=colleague)).json()
    assert {i["id"] for i in listed["items"]} == {anonymous["id"], named["id"]}
    assert all("author_ids" not in item for item in listed["items"])


async def test_withdrawn_ideas_leave_the_public_list(
    org: RunningService, dev_keys: DevKeys
) -> None:
    idea = await post_idea(org, dev_keys)
    await org.client.post(
        f"/ideas/{idea['id']}/withdraw", json={}, headers=dev_keys.headers(AUTHOR, "employee")
    )
    colleague = dev_keys.headers(COLLEAGUE, "employee")
    assert (await org.client.get("/public/ideas", headers=colleague)).json()["items"] == []
    assert_problem(await org.client.get(f"/public/ideas/{idea['id']}", headers=colleague), 404)
    # Its authors still follow it.
    mine = await org.client.get("/ideas?mine=true", headers=dev_keys.headers(AUTHOR, "employee"))
    assert [i["status"] for i in mine.json()["items"]] == ["withdrawn"]


async def test_citizens_and_unknown_roles_get_no_public_list(
    org: RunningService, dev_keys: DevKeys
) -> None:
    assert_problem(
        await org.client.get("/public/ideas", headers=dev_keys.headers("c-1", "citizen")), 403
    )


# --- supports ------------------------------------------------------------------------------------


async def test_one_support_per_person_and_withdrawable(
    org: RunningService, dev_keys: DevKeys
) -> None:
    idea = await post_idea(org, dev_keys)
    path = f"/ideas/{idea['id']}/support"
    colleague = dev_keys.headers(COLLEAGUE, "employee")

    first = await org.client.post(path, headers=colleague)
    assert first.status_code == 201 and first.json() == {
        "idea_id": idea["id"], "supported": True, "support_count": 1
    }  # fmt: skip
    again = await org.client.post(path, headers=colleague)
    assert again.status_code == 200 and again.json()["support_count"] == 1
    other = await org.client.post(path, headers=dev_keys.headers(REVIEWER, "supervisor"))
    assert other.json()["support_count"] == 2
    view = await org.client.get(f"/public/ideas/{idea['id']}", headers=colleague)
    assert view.json()["supported_by_me"] is True and view.json()["support_count"] == 2

    withdrawn = await org.client.delete(path, headers=colleague)
    assert withdrawn.json() == {"idea_id": idea["id"], "supported": False, "support_count": 1}
    again_withdrawn = await org.client.delete(path, headers=colleague)
    assert again_withdrawn.json()["support_count"] == 1

    events = await outbox_events(org.runtime, "idea.supported")
    assert [(e["supporter_id"], e["withdrawn"], e["support_count"]) for e in events] == [
        (COLLEAGUE, False, 1),
        (REVIEWER, False, 2),
        (COLLEAGUE, True, 1),
    ]
    assert await count_rows(org.runtime, IdeaSupport) == 1


async def test_authors_cannot_support_their_own_idea(
    org: RunningService, dev_keys: DevKeys
) -> None:
    idea = await post_idea(org, dev_keys)
    response = await org.client.post(
        f"/ideas/{idea['id']}/support", headers=dev_keys.headers(AUTHOR, "employee")
    )
    assert assert_problem(response, 409)["title"] == "Own idea"
    missing = await org.client.post(
        "/ideas/i-missing/support", headers=dev_keys.headers(COLLEAGUE, "employee")
    )
    assert_problem(missing, 404)


# --- comments ------------------------------------------------------------------------------------


async def test_no_text_takes_control_characters_on_either_database(
    org_any_db: RunningService, dev_keys: DevKeys
) -> None:
    """One input policy for every text field: NUL (an error inside PostgreSQL), ESC and C1 are
    refused with 422 naming the field, and nothing is stored."""
    org = org_any_db
    idea = await post_idea(org, dev_keys)
    colleague = dev_keys.headers(COLLEAGUE, "employee")
    for text in ("nul \x00 here", "colour \x1b[31m", "next line \x85"):
        response = await org.client.post(
            f"/ideas/{idea['id']}/comments", json={"body": text}, headers=colleague
        )
        problem = assert_problem(response, 422)
        assert [(e["field"], e["type"]) for e in problem["errors"]] == [
            ("body", "control_characters")
        ]
        search = await org.client.get("/ideas", params={"q": text}, headers=colleague)
        assert [e["field"] for e in assert_problem(search, 422)["errors"]] == ["q"]
    # Tabs and line breaks are text.
    fine = await org.client.post(
        f"/ideas/{idea['id']}/comments", json={"body": "rivi\n\trivi\r\n"}, headers=colleague
    )
    assert fine.status_code == 201, fine.text
    assert await count_rows(org.runtime, IdeaComment) == 1


async def test_comments_and_anonymous_authors_replying(
    org: RunningService, dev_keys: DevKeys
) -> None:
    idea = await post_idea(org, dev_keys, anonymous=True)
    path = f"/ideas/{idea['id']}/comments"
    asked = await org.client.post(
        path,
        json={"body": "Onko tämä kokeiltu muualla?"},
        headers=dev_keys.headers(COLLEAGUE, "employee"),
    )
    assert asked.status_code == 201, asked.text
    assert asked.json()["author"] == COLLEAGUE
    replied = await org.client.post(
        path, json={"body": "Espoossa kyllä."}, headers=dev_keys.headers(AUTHOR, "employee")
    )
    assert replied.json()["author"] == idea["author_ref"]

    comments = (await org.client.get(path, headers=dev_keys.headers(REVIEWER, "employee"))).json()
    assert (comments["total"], comments["next_cursor"]) == (2, None)
    assert [c["author"] for c in comments["items"]] == [COLLEAGUE, idea["author_ref"]]
    # Oldest first, a page at a time.
    first = (
        await org.client.get(
            path, params={"limit": 1}, headers=dev_keys.headers(REVIEWER, "employee")
        )
    ).json()
    rest = (
        await org.client.get(
            path,
            params={"limit": 1, "cursor": first["next_cursor"]},
            headers=dev_keys.headers(REVIEWER, "employee"),
        )
    ).json()
    assert [c["id"] for c in first["items"] + rest["items"]] == [c["id"] for c in comments["items"]]
    assert rest["next_cursor"] is None
    events = await outbox_events(org.runtime, "idea.commented")
    assert [e["commenter_id"] for e in events] == [COLLEAGUE, idea["author_ref"]]
    assert AUTHOR not in str(events)

    for bad in ({"body": ""}, {"body": "x" * 4001}, {"body": "ok", "html": "<b>"}):
        assert_problem(
            await org.client.post(path, json=bad, headers=dev_keys.headers(COLLEAGUE, "employee")),
            422,
        )


async def test_moderators_hide_comments_with_a_reason(
    org: RunningService, dev_keys: DevKeys
) -> None:
    idea = await post_idea(org, dev_keys)
    path = f"/ideas/{idea['id']}/comments"
    comment = (
        await org.client.post(
            path,
            json={"body": "Asiaton kommentti"},
            headers=dev_keys.headers(COLLEAGUE, "employee"),
        )
    ).json()
    hide_path = f"{path}/{comment['id']}/hide"
    reason = {"reason": "Ei liity ideaan"}
    assert_problem(
        await org.client.post(hide_path, json=reason, headers=dev_keys.headers(AUTHOR, "employee")),
        403,
    )
    hidden = await org.client.post(
        hide_path, json=reason, headers=dev_keys.headers(REVIEWER, "change_agent")
    )
    assert hidden.status_code == 200, hidden.text
    assert hidden.json()["hidden"] is True and hidden.json()["hidden_reason"] == "Ei liity ideaan"
    # Hiding again changes nothing and emits nothing.
    await org.client.post(
        hide_path, json=reason, headers=dev_keys.headers(REVIEWER, "change_agent")
    )

    others = (await org.client.get(path, headers=dev_keys.headers(AUTHOR, "employee"))).json()[
        "items"
    ]
    assert (others[0]["hidden"], others[0]["body"], others[0]["hidden_reason"]) == (
        True, None, "Ei liity ideaan"
    )  # fmt: skip
    writer = (await org.client.get(path, headers=dev_keys.headers(COLLEAGUE, "employee"))).json()[
        "items"
    ]
    assert writer[0]["body"] == "Asiaton kommentti"

    events = await outbox_events(org.runtime, "idea.commented")
    assert [(e["comment_id"], e["hidden"], e["body"]) for e in events] == [
        (comment["id"], False, "Asiaton kommentti"),
        (comment["id"], True, ""),
    ]
    view = await org.client.get(
        f"/public/ideas/{idea['id']}", headers=dev_keys.headers(COLLEAGUE, "employee")
    )
    assert view.json()["comment_count"] == 0


# --- co-authors ----------------------------------------------------------------------------------


async def test_a_co_author_confirms_after_submission(
    org: RunningService, dev_keys: DevKeys
) -> None:
    idea = await post_idea(org, dev_keys)
    base = f"/ideas/{idea['id']}/co-authors"
    invited = await org.client.post(
        base, json={"person_id": COLLEAGUE}, headers=dev_keys.headers(AUTHOR, "employee")
    )
    assert invited.status_code == 201, invited.text
    assert invited.json() == {
        "idea_id": idea["id"], "person_id": COLLEAGUE, "confirmed": False, "revision": 1
    }  # fmt: skip
    colleague = dev_keys.headers(COLLEAGUE, "employee")
    # The invited person may read the idea to decide.
    assert (await org.client.get(f"/ideas/{idea['id']}", headers=colleague)).status_code == 200
    assert_problem(
        await org.client.post(
            f"{base}/{COLLEAGUE}/confirm", headers=dev_keys.headers(AUTHOR, "employee")
        ),
        403,
    )
    confirmed = await org.client.post(f"{base}/{COLLEAGUE}/confirm", headers=colleague)
    assert confirmed.json() == {
        "idea_id": idea["id"], "person_id": COLLEAGUE, "confirmed": True, "revision": 2
    }  # fmt: skip
    again = await org.client.post(f"{base}/{COLLEAGUE}/confirm", headers=colleague)
    assert again.json()["revision"] == 2

    read = (await org.client.get(f"/ideas/{idea['id']}", headers=colleague)).json()
    assert read["author_ids"] == [AUTHOR, COLLEAGUE] and read["invited_ids"] == []
    [update] = await outbox_events(org.runtime, "idea.updated")
    assert (update["revision"], update["edited_by"], update["title"]) == (
        2, COLLEAGUE, idea["title"]
    )  # fmt: skip
    # Every confirmed author travels with the update, so reward can pay the new co-author.
    assert update["author_ids"] == [AUTHOR, COLLEAGUE]
    # A confirmed author may edit, and cannot be removed.
    assert_problem(
        await org.client.delete(
            f"{base}/{COLLEAGUE}", headers=dev_keys.headers(AUTHOR, "employee")
        ),
        409,
    )


async def test_invitations_are_checked_and_can_be_declined(
    org: RunningService, dev_keys: DevKeys
) -> None:
    idea = await post_idea(org, dev_keys)
    base = f"/ideas/{idea['id']}/co-authors"
    author = dev_keys.headers(AUTHOR, "employee")
    unknown = await org.client.post(base, json={"person_id": "p-9999"}, headers=author)
    assert [e["field"] for e in assert_problem(unknown, 422)["errors"]] == ["person_id"]
    stranger = await org.client.post(
        base, json={"person_id": "p-1003"}, headers=dev_keys.headers(COLLEAGUE, "employee")
    )
    assert_problem(stranger, 403)
    await org.client.post(base, json={"person_id": "p-1003"}, headers=author)
    assert_problem(await org.client.post(base, json={"person_id": "p-1003"}, headers=author), 409)
    declined = await org.client.delete(
        f"{base}/p-1003", headers=dev_keys.headers("p-1003", "employee")
    )
    assert declined.status_code == 204
    assert (await org.client.get(f"/ideas/{idea['id']}", headers=author)).json()[
        "invited_ids"
    ] == []


# --- attachments ---------------------------------------------------------------------------------


async def test_attachments_upload_list_and_download(
    org_any_db: RunningService, dev_keys: DevKeys
) -> None:
    idea = await post_idea(org_any_db, dev_keys)
    author = dev_keys.headers(AUTHOR, "employee")
    uploaded = await org_any_db.client.post(
        f"/ideas/{idea['id']}/attachments",
        files={"file": ("../kaavio ä.png", PNG_FILE, "image/png")},
        headers=author,
    )
    assert uploaded.status_code == 201, uploaded.text
    attachment = uploaded.json()
    assert (attachment["filename"], attachment["content_type"], attachment["size"]) == (
        "kaavio ä.png", "image/png", len(PNG_FILE)
    )  # fmt: skip
    assert attachment["scan_status"] == "not_scanned"

    view = await org_any_db.client.get(
        f"/public/ideas/{idea['id']}", headers=dev_keys.headers(COLLEAGUE, "employee")
    )
    assert [a["id"] for a in view.json()["attachments"]] == [attachment["id"]]
    download = await org_any_db.client.get(
        uploaded.headers["location"], headers=dev_keys.headers(COLLEAGUE, "employee")
    )
    assert download.status_code == 200 and download.content == PNG_FILE
    assert download.headers["content-type"] == "image/png"
    assert download.headers["content-disposition"].startswith("attachment;")
    assert download.headers["x-content-type-options"] == "nosniff"


REFUSED_FILES = [
    ("virus.exe", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00", "application/octet-stream", 415),
    ("kuva.png", b"<svg onload=alert(1)>", "image/png", 415),
    ("sivu.html", b"<html><script>x</script></html>", "text/html", 415),
    ("tyhja.txt", b"", "text/plain", 422),
    ("iso.pdf", PDF + b"x" * 2048, "application/pdf", 413),
]


async def test_attachments_are_refused_by_content_and_size(
    settings_for: Any, sqlite_url: str, dev_keys: DevKeys
) -> None:
    settings = settings_for(sqlite_url, attachment_max_bytes=1024, max_body_bytes=70 * 1024)
    async with running_intake(settings) as running:
        idea = await post_idea(running, dev_keys)
        for name, data, declared, status in REFUSED_FILES:
            response = await running.client.post(
                f"/ideas/{idea['id']}/attachments",
                files={"file": (name, data, declared)},
                headers=dev_keys.headers(AUTHOR, "employee"),
            )
            assert_problem(response, status)
        assert await count_rows(running.runtime, IdeaAttachment) == 0


async def test_attachment_rules_for_who_when_and_how_many(
    settings_for: Any, sqlite_url: str, dev_keys: DevKeys
) -> None:
    async with running_intake(settings_for(sqlite_url, attachments_per_idea=2)) as running:
        idea = await post_idea(running, dev_keys)
        path = f"/ideas/{idea['id']}/attachments"
        author = dev_keys.headers(AUTHOR, "employee")
        other = await running.client.post(
            path, files={"file": ("a.pdf", PDF, "application/pdf")},
            headers=dev_keys.headers(COLLEAGUE, "employee"),
        )  # fmt: skip
        assert_problem(other, 403)
        for name, data in (("a.pdf", PDF), ("b.docx", docx_bytes())):
            ok = await running.client.post(path, files={"file": (name, data, "")}, headers=author)
            assert ok.status_code == 201, ok.text
        third = await running.client.post(
            path, files={"file": ("c.txt", b"muistiinpano", "text/plain")}, headers=author
        )
        assert assert_problem(third, 409)["title"] == "Too many attachments"
