"""Notification settings in Chromium, against the embedded stack as `ideapaja up --demo` starts
it, signed in through the development issuer's real OpenID Connect flow: reached from the link
beside the person's name, a table of kinds × settings that a phone without JavaScript can fill
in and save, with no serious accessibility findings in Finnish, Swedish or English."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from e2e_stack import Stack
from portal_browser import (
    axe_findings,
    browser_page,
    follow,
    main_text,
    running_stack,
    screenshot,
    send_form,
    sign_in,
)

pytestmark = pytest.mark.e2e

EMPLOYEE = "p-1003"  # Leena Korhonen, Library Services
PAGE = "/settings/notifications"
HEADINGS = {
    "fi": "Ilmoitusasetukset",
    "sv": "Aviseringsinställningar",
    "en": "Notification settings",
}


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    yield from running_stack(tmp_path_factory, "portal-settings")


def test_settings_are_chosen_and_saved_on_a_phone_without_javascript(
    stack: Stack, browser: Any
) -> None:
    portal = stack.url("portal")
    page = browser_page(browser, language="fi-FI", width=390, javascript=False)
    sign_in(page, portal, EMPLOYEE)
    follow(page, f"a[href='{PAGE}']")
    assert page.locator("h1").inner_text() == HEADINGS["fi"]
    # An employee's comments come in the daily digest by default; a question cannot be off.
    assert page.locator("#pref-idea_commented-daily").is_checked()
    assert page.locator("#pref-idea_needs_info-off").count() == 0
    # Keyboard: the radio is reached and chosen with the keys, as a label click would.
    page.locator("#pref-idea_commented-daily").focus()
    page.keyboard.press("ArrowRight")
    assert page.locator("#pref-idea_commented-weekly").is_checked()
    page.locator("#pref-practice_adopted-off").check()
    screenshot(page, "notification-settings-fi-phone")
    send_form(page, PAGE)
    assert "Valintasi tallennettiin." in main_text(page)
    assert page.locator("#pref-idea_commented-weekly").is_checked()
    assert page.locator("#pref-practice_adopted-off").is_checked()
    # The page never grows wider than the phone: the table scrolls inside its own box.
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, width


def test_no_serious_accessibility_findings_in_any_language(stack: Stack, browser: Any) -> None:
    portal = stack.url("portal")
    found: dict[str, list[str]] = {}
    page = browser_page(browser)
    sign_in(page, portal, EMPLOYEE)
    page.goto(f"{portal}{PAGE}")
    for language, heading in HEADINGS.items():
        # The signed-in person's language is their own choice (the form beside their name).
        page.select_option("#language-choice", language)
        send_form(page, "/language")
        assert page.locator("h1").inner_text() == heading
        axe_findings(page, f"{PAGE} {language}", found)
        screenshot(page, f"notification-settings-{language}")
    assert found == {}
