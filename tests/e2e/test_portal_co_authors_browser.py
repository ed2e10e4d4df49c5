"""Co-authors picked by name in Chromium (issues 12 and 15): an employee types part of a
colleague's name on the idea form, picks them from the suggestions (HTMX), sends the idea, and the
idea page names them; the colleague finds the idea among their own and accepts the invitation.
The same without JavaScript (a search button and checkboxes), keyboard-only picking, axe on the
form with suggestions open in fi/sv/en, and the form at 360 px.

The embedded stack as `ideapaja up --demo` starts it; the demo organisation's people."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from e2e_stack import Stack, wait_for
from portal_browser import chromium, screenshot, serious_violations, sign_in

pytestmark = pytest.mark.e2e

AUTHOR = "p-1006"  # Noora Heikkinen, Tähtitarha day care
COLLEAGUE = "p-1003"  # Leena Korhonen, Library Services
SANNA = "p-1004"  # Sanna Mäkinen, Tähtitarha day care


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    running = Stack(state_dir=tmp_path_factory.mktemp("co-authors") / "state")
    running.up(demo=True)
    try:
        yield running
    finally:
        running.down()


@pytest.fixture(scope="module")
def browser(stack: Stack) -> Iterator[Any]:
    with chromium() as launched:
        yield launched


def new_page(
    browser: Any, *, language: str = "fi-FI", width: int = 1280, javascript: bool = True
) -> Any:
    context = browser.new_context(
        locale=language, viewport={"width": width, "height": 900}, java_script_enabled=javascript
    )
    return context.new_page()


def fill_idea(page: Any, title: str) -> None:
    page.fill("#title", title)
    page.fill("#problem", "Päiväkodin ja kirjaston yhteiset satutunnit eivät sovi aikatauluihin.")
    page.fill("#solution", "Sovitaan satutunnit kerran kuussa kirjaston aukioloaikaan.")


def test_a_colleague_picked_by_name_is_named_on_the_idea_and_accepts_it(
    stack: Stack, browser: Any
) -> None:
    url = stack.url("portal")
    author = new_page(browser)
    sign_in(author, url, AUTHOR)
    author.goto(f"{url}/ideas/new")
    fill_idea(author, "Yhteiset satutunnit kirjastossa")
    author.fill("#co-author-q", "kor")
    suggestion = author.locator("#co-author-suggestions button", has_text="Leena Korhonen")
    suggestion.wait_for()
    assert "Kirjastopalvelut" in suggestion.inner_text()  # the unit, in the page's language
    assert not serious_violations(author), "the form with suggestions open"
    suggestion.click()
    chip = author.locator("#co-authors-chosen li", has_text="Leena Korhonen")
    chip.wait_for()
    assert chip.locator(f"input[type=hidden][value='{COLLEAGUE}']").count() == 1
    assert "Leena Korhonen lisättiin kanssatekijäksi." in author.inner_text(
        "#co-author-suggestions"
    )
    # The search box is ready for the next name (focus returned to it).
    assert author.evaluate("document.activeElement.id") == "co-author-q"
    # Another pick, then removed again: its chip goes.
    author.fill("#co-author-q", "mäk")
    author.locator("#co-author-suggestions button", has_text="Sanna Mäkinen").click()
    sanna = author.locator("#co-authors-chosen li", has_text="Sanna Mäkinen")
    sanna.wait_for()
    screenshot(author, "co-authors-form")
    sanna.get_by_role("button").click()
    sanna.wait_for(state="detached")
    author.locator("button[value=send]").click()
    author.wait_for_url(f"{url}/ideas/i-*?sent=1")
    idea_id = author.url.rsplit("/", 1)[1].split("?")[0]
    main = author.inner_text("main")
    assert "Noora Heikkinen" in main and "Leena Korhonen" in main
    assert COLLEAGUE not in main and "Sanna Mäkinen" not in main
    screenshot(author, "co-authors-idea")

    colleague = new_page(browser)
    sign_in(colleague, url, COLLEAGUE)
    colleague.goto(f"{url}/my/ideas")
    colleague.get_by_role("link", name="Yhteiset satutunnit kirjastossa").click()
    assert "Sinut on kutsuttu kanssatekijäksi" in colleague.inner_text("main")
    assert not serious_violations(colleague), "the idea page with the invitation"
    with colleague.expect_navigation():
        colleague.get_by_role("button", name="Hyväksy kutsu").click()
    assert colleague.url == f"{url}/ideas/{idea_id}?joined=1", colleague.inner_text("main")

    def both_authors() -> bool:
        author.reload()
        text = author.inner_text("main")
        return "Tekijät:" in text and "Leena Korhonen" in text.split("Tekijät:")[1]

    wait_for(both_authors, timeout=30)


def test_without_javascript_a_search_lists_colleagues_to_tick(stack: Stack, browser: Any) -> None:
    url = stack.url("portal")
    page = new_page(browser, javascript=False)
    sign_in(page, url, AUTHOR)
    page.goto(f"{url}/ideas/new")
    fill_idea(page, "Satutunnit ilman skriptejä")
    page.fill("#co-author-q", "MAKI")
    page.locator("button[value=find_co_authors]").click()
    box = page.get_by_label("Sanna Mäkinen")
    box.check()
    # Sanna shares the author's unit and is found by "maki"; what was written is kept.
    assert page.input_value("#title") == "Satutunnit ilman skriptejä"
    page.locator("button[value=send]").click()
    page.wait_for_url(f"{url}/ideas/i-*?sent=1")
    assert "Sanna Mäkinen" in page.inner_text("main")


def test_a_co_author_is_picked_with_the_keyboard_alone(stack: Stack, browser: Any) -> None:
    url = stack.url("portal")
    page = new_page(browser)
    sign_in(page, url, AUTHOR)
    page.goto(f"{url}/ideas/new")
    page.focus("#co-author-q")
    page.keyboard.type("sjö")
    page.locator("#co-author-suggestions button", has_text="Elin Sjöberg").wait_for()
    page.keyboard.press("Tab")  # the search button
    page.keyboard.press("Tab")  # the first suggestion
    assert "Elin Sjöberg" in page.evaluate("document.activeElement.textContent")
    page.keyboard.press("Enter")
    page.locator("#co-authors-chosen li", has_text="Elin Sjöberg").wait_for()
    assert page.evaluate("document.activeElement.id") == "co-author-q"


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_the_picker_has_no_serious_accessibility_violations(
    stack: Stack, browser: Any, language: str
) -> None:
    url = stack.url("portal")
    page = new_page(browser, language=language)
    sign_in(page, url, AUTHOR)
    if language != "fi":
        page.select_option("#language-choice", language)
        page.locator("form[action='/language'] button").click()
    page.goto(f"{url}/ideas/new")
    page.fill("#co-author-q", "ko")
    page.locator("#co-author-suggestions button").first.wait_for()
    page.locator("#co-author-suggestions button").first.click()
    page.locator("#co-authors-chosen li").first.wait_for()
    page.fill("#co-author-q", "ni")
    page.locator("#co-author-suggestions button").first.wait_for()
    assert page.locator("html").get_attribute("lang") == language
    violations = serious_violations(page)
    assert not violations, [f"{v['id']}: {v['help']}" for v in violations]


def test_the_picker_fits_a_phone(stack: Stack, browser: Any) -> None:
    url = stack.url("portal")
    page = new_page(browser, width=360)
    sign_in(page, url, AUTHOR)
    page.goto(f"{url}/ideas/new")
    page.fill("#co-author-q", "kor")
    page.locator("#co-author-suggestions button").first.click()
    page.locator("#co-authors-chosen li").first.wait_for()
    page.fill("#co-author-q", "ni")
    page.locator("#co-author-suggestions button").first.wait_for()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the form scrolls sideways: {width}px"
    screenshot(page, "phone-co-authors-form")
