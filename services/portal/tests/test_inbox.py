"""The in-app inbox in the portal against the real notification service, run in-process with its
own database and NATS (the person, the idea and its decisions reach it as events): the home
card and the notifications page list the person's items with the unread ones marked in words,
the navigation's badge counts them with one call per page (named "Ilmoitukset, 2 lukematonta"),
opening an item marks it read and goes to its idea, "mark all read", the unread filter and
paging; forms need the CSRF token; a notification service that is down leaves the page
working."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from portal_standins import CSRF, ME, sign_in

from ideapaja_contracts.events.review import Decision
from ideapaja_notification.app import service as notification_service
from ideapaja_notification.settings import NotificationSettings
from ideapaja_portal.web import context
from ideapaja_runtime.testing import (
    DevKeys,
    RunningService,
    eventually,
    fast_test_settings,
    free_port,
    publish_event,
    running_service,
)
from ideapaja_runtime.testing_builders import (
    idea_submitted,
    person_upserted,
    review_decided,
    wiring,
)

BADGE = re.compile(r'aria-label="[^",]+, ([^"]+)">[^<]+ '
                   r'<span class="badge" aria-hidden="true">(\d+)</span>')  # fmt: skip


class Recorded(httpx.AsyncBaseTransport):
    """The notification service in-process, and the paths the portal asked of it."""

    def __init__(self, app: Any) -> None:
        self.inner = httpx.ASGITransport(app=app)
        self.paths: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.paths.append(f"{request.method} {request.url.path}")
        return await self.inner.handle_async_request(request)


@pytest.fixture(autouse=True)
def patient_badge(monkeypatch: pytest.MonkeyPatch) -> None:
    """A page waits 0.5 s for its badge's count before it is sent without one; these tests count
    what the badge shows, so they wait longer: the in-process notification service shares a
    loaded CI machine's cores (a /points page that failed at once, reward being absent, was
    sent without its badge once in a CI run). The 0.5 s rule has its own test."""
    monkeypatch.setattr(context, "BADGE_WAIT_SECONDS", 10.0)


@pytest.fixture
async def notification(
    nats_url: str, tmp_path: Path, dev_keys: DevKeys, js: Any
) -> AsyncIterator[RunningService]:
    """The person (Finnish), their idea and three decisions on it: four unread items (the
    receipt of the idea and the three decisions)."""
    settings = NotificationSettings.model_validate(
        fast_test_settings(
            **wiring(nats_url, f"sqlite+aiosqlite:///{tmp_path / 'notification.db'}", dev_keys),
            # Nobody listens: e-mails wait for retries; the inbox does not depend on them.
            smtp_port=free_port(),
        )
    )
    async with running_service(notification_service, settings) as running:
        await publish_event(js, person_upserted(ME, "u-kirjasto", language="fi"))
        await publish_event(js, idea_submitted("i-1", author_ids=[ME], title="Iltakirjasto"))
        for decision in (Decision.REJECTED, Decision.FORWARDED, Decision.ACCEPTED):
            await publish_event(js, review_decided("i-1", decision))
        headers = dev_keys.headers(ME, "employee")

        async def three() -> bool:
            answer = await running.client.get("/inbox/unread-count", headers=headers)
            return bool(answer.status_code == 200 and answer.json()["unread"] == 4)

        await eventually(three, timeout=20)
        yield running


async def signed_in(
    portal: RunningService, notification: RunningService, dev_keys: DevKeys, language: str
) -> Any:
    recorded = Recorded(notification.app)
    token = dev_keys.token(ME, "employee", units=["u-kirjasto"])
    return recorded, sign_in(portal, language, token=token, services={"notification": recorded})


def badge(html: str) -> tuple[str, str] | None:
    found = BADGE.search(html)
    return (found.group(2), found.group(1)) if found else None


async def test_home_and_inbox_show_unread_items_and_the_badge_counts_them(
    portal: RunningService, notification: RunningService, dev_keys: DevKeys
) -> None:
    recorded, session = await signed_in(portal, notification, dev_keys, "fi")
    async with session as (client, _):
        home = await client.get("/")
        assert home.status_code == 200, home.text
        # The navigation's link is named "Ilmoitukset, 4 lukematonta" (the number is shown).
        assert badge(home.text) == ("4", "4 lukematonta")
        card = home.text[home.text.index('id="notes-heading"') :]
        assert card.count('<span class="tag">Lukematon</span>') == 3
        assert "Ideasi on hyväksytty: Iltakirjasto" in card
        # One call for the badge, beside the home card's own list.
        assert recorded.paths.count("GET /inbox/unread-count") == 1
        assert "GET /inbox" in recorded.paths

        recorded.paths.clear()
        idea = await client.get("/ideas/i-1")
        assert idea.status_code == 200, idea.text
        assert badge(idea.text) == ("4", "4 lukematonta")
        assert recorded.paths == ["GET /inbox/unread-count"]

        inbox = await client.get("/notifications")
        items = re.findall(r'action="/notifications/([^/"]+)/open"', inbox.text)
        assert len(items) == 4
        assert "Merkitse kaikki luetuiksi" in inbox.text

        # Opening the newest item marks it read and goes to its idea.
        opened = await client.post(f"/notifications/{items[0]}/open", data={"csrf_token": CSRF})
        assert (opened.status_code, opened.headers["location"]) == (303, "/ideas/i-1")
        after = await client.get("/notifications")
        assert badge(after.text) == ("3", "3 lukematonta")
        assert after.text.count('<span class="tag">Lukematon</span>') == 3
        unread = await client.get("/notifications?unread=1")
        assert re.findall(r'action="/notifications/([^/"]+)/open"', unread.text) == items[1:]
        assert 'href="/notifications?unread=1" aria-current="page"' in unread.text


async def test_mark_all_read_paging_and_the_csrf_token(
    portal: RunningService, notification: RunningService, dev_keys: DevKeys
) -> None:
    _, session = await signed_in(portal, notification, dev_keys, "en")
    async with session as (client, _):
        forged = await client.post("/notifications/read-all", data={"csrf_token": "guess"})
        assert forged.status_code == 403
        cross_site = await client.post(
            "/notifications/read-all",
            data={"csrf_token": CSRF},
            headers={"Sec-Fetch-Site": "cross-site"},
        )
        assert cross_site.status_code == 403
        assert badge((await client.get("/ideas/i-1")).text) == ("4", "4 unread")

        done = await client.post("/notifications/read-all", data={"csrf_token": CSRF})
        assert (done.status_code, done.headers["location"]) == (303, "/notifications?all-read=1")
        page = await client.get(done.headers["location"])
        assert "Every notification is marked read." in page.text
        assert badge(page.text) is None and '<span class="tag">' not in page.text
        assert "Mark all read" not in page.text
        unread = await client.get("/notifications?unread=1")
        assert "You have read every notification." in unread.text

        unknown = await client.post(
            "/notifications/n-does-not-exist/open", data={"csrf_token": CSRF}
        )
        assert unknown.status_code == 404 and "Not found" in unknown.text
        refused = await client.get("/notifications?unread=yes")
        assert refused.status_code == 422


async def test_paging_through_the_inbox(
    portal: RunningService, notification: RunningService, dev_keys: DevKeys, monkeypatch: Any
) -> None:
    from ideapaja_portal.web import inbox

    monkeypatch.setattr(inbox, "PAGE_SIZE", 2)
    _, session = await signed_in(portal, notification, dev_keys, "en")
    async with session as (client, _):
        first = await client.get("/notifications?unread=1")
        more = re.search(
            r'<a href="(/notifications\?unread=1&amp;cursor=[^"]+)">More</a>', first.text
        )
        assert more, first.text
        second = await client.get(more.group(1).replace("&amp;", "&"))
        shown = [
            re.findall(r'action="/notifications/([^/"]+)/open"', page.text)
            for page in (first, second)
        ]
        assert [len(ids) for ids in shown] == [2, 2]
        assert not set(shown[0]) & set(shown[1])


async def test_the_page_works_when_notification_is_down(portal: RunningService) -> None:
    # No notification service configured: every call to it fails as an unreachable one does.
    async with sign_in(portal, "en") as (client, _):
        home = await client.get("/")
        assert home.status_code == 200
        assert "Notifications cannot be shown just now." in home.text
        assert badge(home.text) is None
        assert '<a href="/notifications">Notifications</a>' in home.text


class Hanging(httpx.AsyncBaseTransport):
    """A notification service that takes every request and never answers."""

    def __init__(self) -> None:
        self.asked = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.asked += 1
        await asyncio.Event().wait()
        raise AssertionError("unreachable")


async def test_a_hanging_notification_service_costs_a_page_only_the_badge_wait(
    portal: RunningService, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(context, "BADGE_WAIT_SECONDS", 0.5)
    hanging = Hanging()
    async with sign_in(portal, "en", services={"notification": hanging}) as (client, _):
        # The idea page's own calls go to intake; only the badge asks notification. The page is
        # sent once the badge's wait is over, without a badge, long before the call's 5 s timeout.
        idea = await asyncio.wait_for(client.get("/ideas/i-1"), timeout=4)
        assert idea.status_code == 200, idea.text
        assert hanging.asked == 1
        assert badge(idea.text) is None
        assert '<a href="/notifications">Notifications</a>' in idea.text
