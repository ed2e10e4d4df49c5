"""The notification settings page: a table of message kinds × how each is e-mailed, read from
and saved to the real notification service (in-process, with the person's own token), in each
language, without JavaScript; a kind that asks the person to act has no "off"."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
from portal_standins import CSRF, ME, sign_in

from ideapaja_notification.app import service as notification_service
from ideapaja_notification.settings import NotificationSettings
from ideapaja_runtime.testing import DevKeys, RunningService, fast_test_settings, running_service
from ideapaja_runtime.testing_builders import wiring

PAGE = "/settings/notifications"


@pytest.fixture
async def notification(
    nats_url: str, tmp_path: Path, dev_keys: DevKeys
) -> AsyncIterator[RunningService]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'notification.db'}"
    settings = NotificationSettings(**fast_test_settings(**wiring(nats_url, url, dev_keys)))
    async with running_service(notification_service, settings) as running:
        yield running


@asynccontextmanager
async def signed_in(
    portal: RunningService, notification: RunningService, dev_keys: DevKeys, language: str = "en"
) -> AsyncIterator[httpx.AsyncClient]:
    token = dev_keys.token(ME, "employee")
    services = {"notification": httpx.ASGITransport(app=notification.app)}
    async with sign_in(portal, language, token=token, services=services) as (client, _):
        yield client


def checked(html: str, kind: str) -> str:
    """The setting whose radio is checked in ``kind``'s row."""
    [value] = re.findall(rf'name="{kind}" value="(\w+)" id="[^"]+" checked', html)
    return value


async def test_the_table_shows_every_kind_with_its_setting_and_saves_without_javascript(
    portal: RunningService, notification: RunningService, dev_keys: DevKeys
) -> None:
    async with signed_in(portal, notification, dev_keys) as client:
        page = await client.get(PAGE)
        assert page.status_code == 200, page.text
        html = page.text
        assert "<h1>Notification settings</h1>" in html
        assert f'<a href="{PAGE}" aria-current="page">Notification settings</a>' in html
        assert "A comment on my idea" in html and "A question about my idea" in html
        # An employee's defaults: comments daily, decisions at once.
        assert checked(html, "idea_commented") == "daily"
        assert checked(html, "idea_accepted") == "immediately"
        # No "off" for a question: it asks the person to act.
        assert 'name="idea_needs_info" value="off"' not in html
        assert 'name="idea_commented" value="off"' in html
        assert html.count("Cannot be turned off") == 5
        assert '<label for="pref-idea_commented-weekly">' in html

        saved = await client.post(
            PAGE,
            data={"csrf_token": CSRF, "idea_commented": "weekly", "idea_accepted": "immediately",
                  "practice_adopted": "off"},
        )  # fmt: skip
        assert saved.status_code == 303 and saved.headers["location"] == f"{PAGE}?saved=1"
        again = await client.get(f"{PAGE}?saved=1")
        assert "Your choices were saved." in again.text
        assert checked(again.text, "idea_commented") == "weekly"
        assert checked(again.text, "practice_adopted") == "off"

    # Saved in the service, as the person's own; the default chosen stays "the default".
    mine = await notification.client.get(
        "/preferences/me", headers=dev_keys.headers(ME, "employee")
    )
    items = {i["kind"]: i for i in mine.json()["kinds"]}
    assert (items["idea_commented"]["frequency"], items["idea_commented"]["chosen"]) == (
        "weekly",
        True,
    )
    assert items["practice_adopted"]["frequency"] == "off"
    assert items["idea_accepted"]["chosen"] is False


async def test_a_refused_choice_is_shown_beside_its_kind_and_nothing_changes(
    portal: RunningService, notification: RunningService, dev_keys: DevKeys
) -> None:
    async with signed_in(portal, notification, dev_keys) as client:
        refused = await client.post(
            PAGE,
            data={"csrf_token": CSRF, "idea_needs_info": "off", "idea_commented": "weekly"},
        )
        assert refused.status_code == 422
        assert "This kind of message asks you to act: it cannot be turned off." in refused.text
        assert 'aria-describedby="error-idea_needs_info"' in refused.text
        # What the person chose is still on the form.
        assert checked(refused.text, "idea_commented") == "weekly"
        unchanged = await client.get(PAGE)
        assert checked(unchanged.text, "idea_commented") == "daily"
        forged = await client.post(PAGE, data={"csrf_token": "wrong", "idea_commented": "off"})
        assert forged.status_code == 403


@pytest.mark.parametrize(
    ("language", "heading", "daily"),
    [
        ("fi", "Ilmoitusasetukset", "Päivittäinen kooste"),
        ("sv", "Aviseringsinställningar", "Daglig sammanfattning"),
    ],
)
async def test_the_page_speaks_finnish_and_swedish(
    portal: RunningService,
    notification: RunningService,
    dev_keys: DevKeys,
    language: str,
    heading: str,
    daily: str,
) -> None:
    async with signed_in(portal, notification, dev_keys, language) as client:
        html = (await client.get(PAGE)).text
    assert f"<h1>{heading}</h1>" in html and daily in html
    assert "Notification settings" not in html and "A comment on my idea" not in html


def test_every_kind_a_person_can_set_has_a_name_on_the_page() -> None:
    """A kind notification adds shows as a raw id on the settings page until it is named here."""
    from ideapaja_notification.domain.kinds import TemplateId
    from ideapaja_portal.web.notification_settings import KIND_NAMES

    assert {kind.value for kind in TemplateId} <= set(KIND_NAMES)
