"""The management dashboard and the in-app inbox in Chromium, against the embedded stack started
as `ideapaja up --demo` starts it, signed in through the development issuer's real OpenID
Connect flow. An idea of Leena's is submitted and accepted through the APIs; then the management
group's Petri reads the dashboard in Finnish, Swedish and English (axe: 0 serious or critical),
on a 360 px phone without sideways scrolling, and downloads the funnel as CSV with the figures
the page shows; Leena sees her unread count in the navigation, opens the notification (it is
read, and she is on her idea) and marks the rest read. Screenshots land in .artifacts/portal/."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from e2e_stack import Stack, wait_for
from portal_browser import (
    accept_idea,
    api,
    axe_findings,
    browser_page,
    follow,
    running_stack,
    screenshot,
    send_form,
    sign_in,
    submit_idea,
)

pytestmark = pytest.mark.e2e

AUTHOR = "p-1003"  # Leena Korhonen, Library Services (reads Finnish)
AGENT = "p-1001"  # Aino Virtanen, the library's change agent
MANAGER = "p-1022"  # Petri Kallio: management group
PHONE = 360


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    yield from running_stack(tmp_path_factory, "portal-dash")


@pytest.fixture(scope="module")
def idea_id(stack: Stack) -> str:
    """Leena's idea, accepted by the library's change agent; reward and notification have
    heard of it (her points; her inbox: the acceptance, at least)."""
    idea = submit_idea(
        stack,
        AUTHOR,
        "u-kirjasto",
        {
            "title": "Lainattavat lukulasit kirjastoon",
            "problem": "Asiakkaat unohtavat lukulasinsa kotiin.",
            "solution": "Lainattavat lukulasit palvelutiskille.",
        },
    )
    accept_idea(stack, idea, AGENT, "u-kirjasto", "Halpa ja hyödyllinen.")
    with api(stack, "notification", AUTHOR, "employee", unit="u-kirjasto") as notification:

        def accepted_in_inbox() -> bool:
            items = notification.get("/inbox").json()["items"]
            return any(i["idea_id"] == idea and i["kind"] == "idea_accepted" for i in items)

        wait_for(accepted_in_inbox, timeout=60)
    with api(stack, "reward", MANAGER, "management", unit="u-digi") as reward:

        def accepted_in_reward() -> bool:
            city = reward.get("/activity", params={"level": "city"}).json()["items"][0]
            return bool(city["current"]["ideas_accepted"] >= 1)

        wait_for(accepted_in_reward, timeout=60)
    return idea


def this_month() -> str:
    today = datetime.now(ZoneInfo("Europe/Helsinki")).date()
    return f"{today.month}/{today.year}"


def switch_language(page: Any, language: str) -> None:
    page.select_option("#language-choice", language)
    send_form(page, "/language")
    assert page.locator("html").get_attribute("lang") == language


def funnel_row(page: Any) -> list[str]:
    """This month's row of the funnel's table (its cells' text, shown or folded away)."""
    row = page.locator("#funnel tbody tr").last
    return [str(cell.text_content()).strip() for cell in row.locator("th, td").all()]


@pytest.mark.timeout(900)
def test_the_management_dashboard_in_three_languages_on_a_phone_and_as_csv(
    stack: Stack, browser: Any, idea_id: str
) -> None:
    url = stack.url("portal")
    found: dict[str, list[str]] = {}
    page = browser_page(browser)
    sign_in(page, url, MANAGER)
    follow(page, "nav a[href='/dashboard']")
    titles = {"fi": "Ideasuppilo", "sv": "Idétratten", "en": "Ideas funnel"}
    for language in ("fi", "sv", "en"):
        if page.locator("html").get_attribute("lang") != language:
            switch_language(page, language)
        assert page.locator("#funnel-heading").inner_text() == titles[language]
        # The chart is an image named by its title, its table one click away.
        assert page.get_by_role("img", name=titles[language]).count() == 1
        page.locator("#funnel summary").click()
        assert funnel_row(page) == [this_month(), "1", "1", "1", "0"], funnel_row(page)
        axe_findings(page, f"dashboard ({language})", found)
        screenshot(page, f"dashboard-{language}")
    assert found == {}, found

    # The funnel as CSV: the figures of the page, by period code.
    with page.expect_download() as download:
        page.locator("#funnel a[href^='/dashboard/funnel.csv']").click()
    path = download.value.path()
    rows = list(csv.reader(open(path, encoding="utf-8", newline="")))  # noqa: SIM115
    assert rows[0] == ["period", "submitted", "decided", "accepted", "implemented"]
    assert len(rows) == 13 and rows[-1][1:] == ["1", "1", "1", "0"], rows

    # By quarter, then on a phone: nothing wider than the screen.
    page.select_option("#period", "quarter")
    send_form(page, "/dashboard")
    assert "period=quarter" in page.url
    assert re.fullmatch(r"Q[1-4]/\d{4}", funnel_row(page)[0])
    phone = browser_page(browser, width=PHONE)
    sign_in(phone, url, MANAGER)
    phone.goto(f"{url}/dashboard")
    widths = phone.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1] == PHONE, widths
    axe_findings(phone, "dashboard (360 px)", found)
    screenshot(phone, "dashboard-phone")
    assert found == {}, found


@pytest.mark.timeout(600)
def test_the_inbox_badge_open_and_mark_all_read(stack: Stack, browser: Any, idea_id: str) -> None:
    url = stack.url("portal")
    found: dict[str, list[str]] = {}
    page = browser_page(browser)
    sign_in(page, url, AUTHOR)
    badge = page.get_by_role("link", name=re.compile(r"^Ilmoitukset, \d+ lukemat"))
    assert badge.count() == 1, page.locator("header nav").inner_html()
    unread = int(re.findall(r"\d+", str(badge.inner_text()))[0])
    assert unread >= 1
    # The home page's card lists the acceptance, unread in words.
    card = page.locator("section[aria-labelledby=notes-heading]")
    assert "Lukematon" in card.inner_text()
    screenshot(page, "inbox-home")

    follow(page, "nav a[href='/notifications']")
    axe_findings(page, "notifications (fi)", found)
    screenshot(page, "inbox-notifications")
    accepted = page.locator("li.inbox-item", has_text="Lainattavat lukulasit kirjastoon").filter(
        has_text="hyväksytty"
    )
    with page.expect_navigation():
        accepted.locator("button[type=submit]").click()
    assert page.url == f"{url}/ideas/{idea_id}"
    if unread > 1:
        name = f"Ilmoitukset, {unread - 1} lukematon" + ("ta" if unread - 1 > 1 else "")
        assert page.get_by_role("link", name=name).count() == 1
        page.goto(f"{url}/notifications")
        send_form(page, "/notifications/read-all")
        assert "Kaikki ilmoitukset on merkitty luetuiksi." in page.locator("main").inner_text()
    assert page.get_by_role("link", name=re.compile(r"^Ilmoitukset, ")).count() == 0
    assert page.locator("nav a[href='/notifications'] .badge").count() == 0
    page.goto(f"{url}/notifications?unread=1")
    assert "Olet lukenut kaikki ilmoitukset." in page.locator("main").inner_text()
    axe_findings(page, "notifications, all read (fi)", found)
    screenshot(page, "inbox-all-read")
    assert found == {}, found
