"""The intranet form endpoint (origins, form tokens), the embeddable page, the citizen channel."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
from intake_testkit import (
    AUTHOR,
    COLLEAGUE,
    REVIEWER,
    SettingsFor,
    count_rows,
    form_payload,
    idea_payload,
    outbox_events,
    running_intake,
)

from ideapaja_intake.db.models import Idea, IdeaAttachment
from ideapaja_runtime.testing import DevKeys, RunningService

INTRANET = "https://intranet.kuusijarvi.fi"
THANK_YOU = "https://intranet.kuusijarvi.fi/ideat/kiitos"
PORTAL = "https://ideapaja.kuusijarvi.fi"
# What Chromium sends with a form posted from a page under Referrer-Policy: no-referrer.
NO_REFERRER_SAME_ORIGIN = {"Origin": "null", "Sec-Fetch-Site": "same-origin"}
NO_REFERRER_CROSS_SITE = {"Origin": "null", "Sec-Fetch-Site": "cross-site"}
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.fixture
async def channels(settings_for: SettingsFor, sqlite_url: str) -> AsyncIterator[RunningService]:
    settings = settings_for(
        sqlite_url,
        form_allowed_origins=[INTRANET],
        citizen_channel_enabled=True,
        portal_url=PORTAL,
    )
    async with running_intake(settings) as running:
        yield running


async def form_token(running: RunningService, dev_keys: DevKeys, person: str = AUTHOR) -> str:
    response = await running.client.post(
        "/form-tokens?language=sv", headers=dev_keys.headers(person, "employee")
    )
    assert response.status_code == 201, response.text
    body = response.json()
    # Absolute: an intranet opens or frames it as it is (the request's address here; under
    # IDEAPAJA_INTAKE_PUBLIC_URL when set).
    assert (
        body["form_url"].startswith("http://testserver/embed/idea-form?form_token=")
        and "language=sv" in body["form_url"]
    )
    return str(body["form_token"])


# --- the intranet form endpoint ------------------------------------------------------------------


async def test_an_allowed_origin_gets_cors_headers_and_others_are_refused(
    channels: RunningService, dev_keys: DevKeys
) -> None:
    headers = {**dev_keys.headers(AUTHOR, "employee"), "Accept": "application/json"}
    allowed = await channels.client.post(
        "/ideas/form", data=form_payload(), headers={**headers, "Origin": INTRANET}
    )
    assert allowed.status_code == 201, allowed.text
    assert allowed.headers["access-control-allow-origin"] == INTRANET
    assert "Location" in allowed.headers["access-control-expose-headers"]
    # Errors carry the headers too, so the page's script can read them.
    invalid = await channels.client.post(
        "/ideas/form", data=form_payload(title="ab"), headers={**headers, "Origin": INTRANET}
    )
    assert invalid.status_code == 422
    assert invalid.headers["access-control-allow-origin"] == INTRANET
    evil = await channels.client.post(
        "/ideas/form", data=form_payload(), headers={**headers, "Origin": "https://evil.example"}
    )
    assert evil.status_code == 403 and "access-control-allow-origin" not in evil.headers
    assert await count_rows(channels.runtime, Idea) == 1


async def test_preflight(channels: RunningService) -> None:
    ok = await channels.client.options(
        "/ideas/form",
        headers={"Origin": INTRANET, "Access-Control-Request-Method": "POST"},
    )
    assert ok.status_code == 204
    assert ok.headers["access-control-allow-origin"] == INTRANET
    assert "Authorization" in ok.headers["access-control-allow-headers"]
    refused = await channels.client.options(
        "/ideas/form", headers={"Origin": "https://evil.example"}
    )
    assert refused.status_code == 403


async def test_a_plain_html_form_submits_with_a_form_token_once(
    channels: RunningService, dev_keys: DevKeys
) -> None:
    token = await form_token(channels, dev_keys)
    data = {**form_payload(), "form_token": token}
    # No Authorization header: a browser posting a plain form from the intranet page.
    first = await channels.client.post(
        "/ideas/form", data=data, headers={"Origin": INTRANET, "Accept": "application/json"}
    )
    assert first.status_code == 201, first.text
    assert first.json()["author_ids"] == [AUTHOR] and first.json()["channel"] == "intranet_form"
    again = await channels.client.post(
        "/ideas/form", data=data, headers={"Origin": INTRANET, "Accept": "application/json"}
    )
    assert again.json()["id"] == first.json()["id"]
    assert again.headers["idempotent-replayed"] == "true"
    other = await channels.client.post(
        "/ideas/form",
        data={**data, "title": "Toinen otsikko"},
        headers={"Accept": "application/json"},
    )
    assert other.status_code == 422
    assert await count_rows(channels.runtime, Idea) == 1


@pytest.mark.parametrize("token", ["", "v1.e30.forged", "not-a-token"])
async def test_no_submission_without_a_valid_token(channels: RunningService, token: str) -> None:
    response = await channels.client.post(
        "/ideas/form", data={**form_payload(), "form_token": token}
    )
    assert response.status_code == 401
    assert await count_rows(channels.runtime, Idea) == 0


async def test_an_expired_form_token_is_refused(
    settings_for: SettingsFor, sqlite_url: str, dev_keys: DevKeys
) -> None:
    from datetime import UTC, datetime, timedelta

    from ideapaja_intake.domain.form_token import issue_form_token

    settings = settings_for(sqlite_url)
    token, _ = issue_form_token(
        settings.form_token_secret.get_secret_value(),
        person_id=AUTHOR,
        roles=("employee",),
        unit_ids=(),
        now=datetime.now(UTC) - timedelta(hours=3),
        ttl=timedelta(hours=2),
    )
    async with running_intake(settings) as running:
        response = await running.client.post(
            "/ideas/form", data={**form_payload(), "form_token": token}
        )
        assert response.status_code == 401 and "expired" in response.json()["detail"]


# --- the embeddable page -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "accept_language", "lang", "heading"),
    [
        ("", "sv-FI,sv;q=0.9", "sv", "Lämna in en utvecklingsidé"),
        ("&language=en", "fi", "en", "Submit an improvement idea"),
        ("", None, "fi", "Jätä kehitysidea"),
    ],
)
async def test_the_form_page_in_three_languages(
    channels: RunningService,
    dev_keys: DevKeys,
    query: str,
    accept_language: str | None,
    lang: str,
    heading: str,
) -> None:
    token = await form_token(channels, dev_keys)
    headers = {"Accept-Language": accept_language} if accept_language else {}
    page = await channels.client.get(f"/embed/idea-form?form_token={token}{query}", headers=headers)
    assert page.status_code == 200, page.text
    assert page.headers["content-type"].startswith("text/html")
    html = page.text
    assert f'<html lang="{lang}">' in html and heading in html
    # No script at all, not even inline event handlers: the page works without JavaScript.
    # Its one script is a file (the height for a framing page); no inline script or handler.
    scripts = re.findall(r"<script[^>]*>(.*?)</script>", html, re.S)
    assert scripts == [""] and 'src="/embed/static/idea-form.js"' in html
    assert not re.search(r"\son[a-z]+\s*=", html)
    assert f'data-parent-origins="{INTRANET}"' in html
    assert f'name="form_token" value="{token}"' in html
    assert 'value="u-kirjasto"' in html
    csp = page.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    # Made to be framed: no X-Frame-Options: DENY beside frame-ancestors.
    assert "x-frame-options" not in page.headers
    assert f"frame-ancestors 'self' {INTRANET}" in csp
    assert re.search(r"style-src 'sha256-[A-Za-z0-9+/=]+'", csp)
    assert page.headers["referrer-policy"] == "no-referrer"


async def test_the_form_page_needs_a_token(channels: RunningService, dev_keys: DevKeys) -> None:
    missing = await channels.client.get("/embed/idea-form?language=en")
    assert missing.status_code == 401 and "expired" in missing.text
    with_bearer = await channels.client.get(
        "/embed/idea-form", headers=dev_keys.headers(AUTHOR, "employee")
    )
    assert with_bearer.status_code == 200 and 'name="form_token"' in with_bearer.text


async def test_the_page_submits_with_an_attachment_and_shows_thanks(
    channels: RunningService, dev_keys: DevKeys
) -> None:
    token = await form_token(channels, dev_keys)
    fields = {**form_payload(benefit_kinds=None), "form_token": token, "lang": "fi",
              "benefit_kinds": ["time", "money"], "category": ""}  # fmt: skip
    files = {"attachment": ("muistio.txt", b"Muistiinpanot", "text/plain")}
    response = await channels.client.post("/embed/idea-form", data=fields, files=files)
    assert response.status_code == 201, response.text
    assert "Kiitos" in response.text and "<script>" not in response.text  # no inline script
    idea_id = re.search(r"<code>(i-[0-9a-f]{32})</code>", response.text)
    assert idea_id
    again = await channels.client.post("/embed/idea-form", data=fields, files=files)
    assert again.status_code == 201 and idea_id.group(1) in again.text
    assert await count_rows(channels.runtime, Idea) == 1
    assert await count_rows(channels.runtime, IdeaAttachment) == 1
    [event] = await outbox_events(channels.runtime, "idea.submitted")
    assert event["channel"] == "intranet_form" and event["author_ids"] == [AUTHOR]


async def test_the_page_shows_refusals_next_to_the_fields(
    channels: RunningService, dev_keys: DevKeys
) -> None:
    token = await form_token(channels, dev_keys)
    fields = {**form_payload(title="ab", unit_id="u-olematon"), "form_token": token,
              "lang": "en"}  # fmt: skip
    refused = await channels.client.post("/embed/idea-form", data=fields)
    assert refused.status_code == 422
    assert 'aria-invalid="true" aria-describedby="title-error"' in refused.text
    assert 'value="ab"' in refused.text  # what was typed is kept
    unknown_unit = await channels.client.post(
        "/embed/idea-form", data={**fields, "title": "Kelvollinen otsikko"}
    )
    assert unknown_unit.status_code == 422 and 'id="unit_id-error"' in unknown_unit.text
    bad_file = await channels.client.post(
        "/embed/idea-form",
        data={**fields, "title": "Kelvollinen otsikko", "unit_id": "u-kirjasto"},
        files={"attachment": ("x.exe", b"MZ\x90\x00\x03\x00", "application/octet-stream")},
    )
    assert bad_file.status_code == 415 and 'id="attachment-error"' in bad_file.text
    assert await count_rows(channels.runtime, Idea) == 0


# --- the citizen channel -------------------------------------------------------------------------


async def test_the_citizen_channel_is_off_by_default(
    org: RunningService, dev_keys: DevKeys
) -> None:
    response = await org.client.post(
        "/citizen/ideas",
        json={"title": "Penkki puistoon", "problem": "p", "solution": "s", "unit_id": "u-kirjasto"},
        headers=dev_keys.headers("suomifi-123", "citizen"),
    )
    assert response.status_code == 404


async def test_citizens_submit_external_ideas_and_see_no_internal_data(
    channels: RunningService, dev_keys: DevKeys
) -> None:
    citizen = dev_keys.headers("suomifi-123456", "citizen")
    body = {"title": "Lukusali lapsille", "problem": "Ei hiljaista tilaa.",
            "solution": "Oma huone.", "unit_id": "u-kirjasto", "language": "fi"}  # fmt: skip
    created = await channels.client.post("/citizen/ideas", json=body, headers=citizen)
    assert created.status_code == 201, created.text
    idea = created.json()
    assert set(idea) == {"id", "status", "title", "problem", "solution", "benefit",
                         "submitted_at", "timeline"}  # fmt: skip

    [event] = await outbox_events(channels.runtime, "idea.submitted")
    assert event["channel"] == "citizen" and event["anonymous"] is True
    assert event["author_ids"][0].startswith("c-") and "suomifi" not in str(event)
    staff_view = await channels.client.get(
        f"/ideas/{idea['id']}", headers=dev_keys.headers(REVIEWER, "change_agent")
    )
    assert staff_view.json()["external"] is True and staff_view.json()["author_ids"] is None

    # Review decides; the citizen sees the decision's words but not who or which case.
    from datetime import UTC, datetime

    from ideapaja_intake.db.ideas import apply_status_change
    from ideapaja_intake.db.models import IdeaStatusChange

    async with channels.runtime.db.transaction() as session:
        row = await session.get(Idea, idea["id"])
        assert row is not None
        await apply_status_change(session, row, IdeaStatusChange(
            idea_id=idea["id"], event_id="e-decided", status="accepted", kind="decided",
            case_id="c-77", actor_id=REVIEWER, rationale="Hyvä ehdotus, toteutetaan.",
            occurred_at=datetime.now(UTC), recorded_at=datetime.now(UTC),
        ))  # fmt: skip
    mine = (await channels.client.get(f"/citizen/ideas/{idea['id']}", headers=citizen)).json()
    assert mine["status"] == "accepted"
    assert mine["timeline"][-1] == {
        "status": "accepted", "at": mine["timeline"][-1]["at"],
        "message": "Hyvä ehdotus, toteutetaan.",
    }  # fmt: skip
    assert REVIEWER not in str(mine) and "c-77" not in str(mine)
    listed = (await channels.client.get("/citizen/ideas", headers=citizen)).json()
    assert [(i["id"], i["language"]) for i in listed["items"]] == [(idea["id"], "fi")]
    assert (listed["total"], listed["next_cursor"]) == (1, None)

    # Other citizens see nothing; citizens reach no staff endpoint.
    other = dev_keys.headers("suomifi-999", "citizen")
    assert (
        await channels.client.get(f"/citizen/ideas/{idea['id']}", headers=other)
    ).status_code == 404
    for path in (f"/ideas/{idea['id']}", "/public/ideas", f"/public/ideas/{idea['id']}",
                 "/ideas/similar?text=lukusali"):  # fmt: skip
        assert (await channels.client.get(path, headers=citizen)).status_code == 403, path
    staff_as_citizen = await channels.client.post(
        "/citizen/ideas", json=body, headers=dev_keys.headers(COLLEAGUE, "employee")
    )
    assert staff_as_citizen.status_code == 403


async def test_citizens_are_rate_limited_and_validated(
    settings_for: SettingsFor, sqlite_url: str, dev_keys: DevKeys
) -> None:
    settings = settings_for(sqlite_url, citizen_channel_enabled=True, submissions_per_hour=1)
    async with running_intake(settings) as running:
        citizen = dev_keys.headers("suomifi-1", "citizen")
        body: dict[str, Any] = {k: v for k, v in idea_payload().items()
                                if k in ("title", "problem", "solution", "unit_id")}  # fmt: skip
        assert (
            await running.client.post("/citizen/ideas", json=body, headers=citizen)
        ).status_code == 201
        limited = await running.client.post("/citizen/ideas", json=body, headers=citizen)
        assert limited.status_code == 429 and "retry-after" in limited.headers
        extra = await running.client.post(
            "/citizen/ideas",
            json={**body, "anonymous": False},
            headers=dev_keys.headers("s-2", "citizen"),
        )
        assert extra.status_code == 422


# --- what a browser sends ------------------------------------------------------------------------


async def test_the_page_posted_by_a_browser_with_origin_null_is_taken(
    channels: RunningService, dev_keys: DevKeys
) -> None:
    """The page sends Referrer-Policy: no-referrer, so Chromium posts it with Origin: null."""
    token = await form_token(channels, dev_keys)
    fields = {**form_payload(), "form_token": token, "lang": "sv"}
    response = await channels.client.post(
        "/embed/idea-form", data=fields, headers=NO_REFERRER_SAME_ORIGIN
    )
    assert response.status_code == 201, response.text
    assert "Tack! Din idé har tagits emot." in response.text
    idea_id = re.search(r"<code>(i-[0-9a-f]{32})</code>", response.text)
    assert idea_id and f'href="{PORTAL}/ideas/{idea_id.group(1)}"' in response.text
    assert "Mina idéer" not in response.text  # nothing serves "My ideas" in intake


async def test_a_hardened_intranet_page_posts_the_plain_form_and_gets_a_thank_you_page(
    channels: RunningService, dev_keys: DevKeys
) -> None:
    """An intranet page under no-referrer: Origin null from another site, with a form token."""
    token = await form_token(channels, dev_keys)
    headers = {**NO_REFERRER_CROSS_SITE, "Accept": BROWSER_ACCEPT, "Accept-Language": "fi-FI"}
    response = await channels.client.post(
        "/ideas/form", data={**form_payload(), "form_token": token}, headers=headers
    )
    assert response.status_code == 201, response.text
    assert response.headers["content-type"].startswith("text/html")
    assert "Kiitos! Ideasi on vastaanotettu." in response.text and '"id"' not in response.text
    assert "access-control-allow-origin" not in response.headers
    # A bearer token from an opaque origin (a sandboxed script) vouches for nothing.
    bearer = {**NO_REFERRER_CROSS_SITE, **dev_keys.headers(AUTHOR, "employee")}
    refused = await channels.client.post("/ideas/form", data=form_payload(), headers=bearer)
    assert refused.status_code == 403


async def test_a_refused_origin_says_why_in_the_persons_language(
    channels: RunningService, dev_keys: DevKeys
) -> None:
    token = await form_token(channels, dev_keys)
    fields = {**form_payload(), "form_token": token, "lang": "fi"}
    evil = {"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}
    page = await channels.client.post("/embed/idea-form", data=fields, headers=evil)
    assert page.status_code == 403
    assert "sallittuihin intranet-osoitteisiin" in page.text and "vanhentunut" not in page.text
    api = await channels.client.post(
        "/ideas/form",
        data={**form_payload(), "form_token": token},
        headers={**evil, "Accept-Language": "sv"},
    )
    assert api.status_code == 403 and "IDEAPAJA_INTAKE_FORM_ALLOWED_ORIGINS" in api.json()["detail"]
    assert api.json()["detail"].startswith("Sidan får inte skicka idéer")
    english = await channels.client.post(
        "/ideas/form", data={**form_payload(), "form_token": token}, headers=evil
    )
    assert english.json()["detail"].startswith("This page may not send ideas")


async def test_refused_fields_are_told_in_the_pages_language(
    channels: RunningService, dev_keys: DevKeys
) -> None:
    token = await form_token(channels, dev_keys)
    fields = {**form_payload(title="ab", unit_id="u-olematon"), "form_token": token,
              "lang": "fi", "surprise": "x"}  # fmt: skip
    refused = await channels.client.post("/embed/idea-form", data=fields)
    assert refused.status_code == 422
    assert "Kirjoita vähintään 3 merkkiä." in refused.text
    assert "Tämä kenttä ei kuulu lomakkeeseen." in refused.text
    assert "String should" not in refused.text
    fields = {**fields, "title": "Kelvollinen otsikko"}
    fields.pop("surprise")
    unknown_unit = await channels.client.post("/embed/idea-form", data=fields)
    assert "Valitse yksikkö luettelosta." in unknown_unit.text


@pytest.mark.parametrize(
    ("accept_language", "expected"),
    [
        ("fi-FI,fi;q=0.9", "title: Kirjoita vähintään 3 merkkiä."),
        ("sv", "title: Skriv minst 3 tecken."),
        ("en", "title: String should have at least 3 characters"),
        (None, "title: String should have at least 3 characters"),
    ],
)
async def test_api_problems_follow_accept_language(
    channels: RunningService, dev_keys: DevKeys, accept_language: str | None, expected: str
) -> None:
    headers = {**dev_keys.headers(AUTHOR, "employee"), "Accept": "application/json"}
    if accept_language:
        headers["Accept-Language"] = accept_language
    response = await channels.client.post(
        "/ideas/form", data=form_payload(title="ab"), headers=headers
    )
    assert response.status_code == 422
    assert response.json()["detail"] == expected
    assert response.json()["errors"][0]["type"] == "string_too_short"


async def test_the_height_script_is_served(channels: RunningService) -> None:
    script = await channels.client.get("/embed/static/idea-form.js")
    assert script.status_code == 200 and "postMessage" in script.text


async def test_form_url_is_under_the_public_url(
    settings_for: SettingsFor, sqlite_url: str, dev_keys: DevKeys
) -> None:
    settings = settings_for(sqlite_url, public_url="https://ideat.kuusijarvi.fi/intake/")
    async with running_intake(settings) as running:
        response = await running.client.post(
            "/form-tokens", headers=dev_keys.headers(AUTHOR, "employee")
        )
    url = response.json()["form_url"]
    assert url.startswith("https://ideat.kuusijarvi.fi/intake/embed/idea-form?form_token=")
