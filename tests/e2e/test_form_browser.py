"""The intranet's idea forms as a person uses them: Debian's Chromium, the embedded stack started as
`ideapaja up` starts it, an intranet page on another origin (http://intranet.example, served by
Playwright) that frames the embeddable page or posts a plain form, fi/sv/en, keyboard only.

Screenshots land in .artifacts/portal/ (CI keeps them)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from html import escape
from typing import Any

import httpx
import pytest
from e2e_stack import Stack, wait_for
from portal_browser import SAME_NETWORK_ARGS, chromium, screenshot, serious_violations

pytestmark = pytest.mark.e2e

AUTHOR = "p-1003"  # Leena Korhonen, Library Services
COLLEAGUE = "p-1002"  # Mikael Lindqvist, Library Services: found by typing part of his name
COLLEAGUE_TYPED = "lindq"
INTRANET = "http://intranet.example"
THANKS = {
    "fi": "Kiitos! Ideasi on vastaanotettu.",
    "sv": "Tack! Din idé har tagits emot.",
    "en": "Thank you! Your idea has been received.",
}
TITLES = {"fi": "Iltalainaus", "sv": "Kvällslån", "en": "Evening loans"}


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    running = Stack(state_dir=tmp_path_factory.mktemp("form") / "state")
    origins = json.dumps([INTRANET])
    # A generous start: this stack starts beside the other end-to-end tests' on a busy machine.
    running.up(demo=True, timeout=300, env={"IDEAPAJA_INTAKE_FORM_ALLOWED_ORIGINS": origins})
    try:
        yield running
    finally:
        running.down()


@pytest.fixture(scope="module")
def browser(stack: Stack) -> Iterator[Any]:
    with chromium(SAME_NETWORK_ARGS) as launched:
        yield launched


def form_url(stack: Stack, language: str) -> str:
    """What the intranet's backend gets for the signed-in person (absolute: used as it is)."""
    headers = stack.token(AUTHOR, "employee", units=("u-kirjasto",))

    def units_known() -> bool:
        units = httpx.get(f"{stack.url('intake')}/units", headers=headers, timeout=10)
        return units.status_code == 200 and "u-kirjasto" in units.text

    wait_for(units_known, timeout=60)
    response = httpx.post(
        f"{stack.url('intake')}/form-tokens?language={language}", headers=headers, timeout=10
    )
    assert response.status_code == 201, response.text
    url = str(response.json()["form_url"])
    assert url.startswith(f"{stack.url('intake')}/embed/idea-form?form_token=")
    return url


def form_token(url: str) -> str:
    return url.split("form_token=", 1)[1].split("&", 1)[0]


def new_page(browser: Any, language: str) -> Any:
    context = browser.new_context(locale=language, viewport={"width": 1280, "height": 900})
    return context.new_page()


def focused(frame: Any) -> str:
    """The focused control: its id, else name:value (radios), else its tag."""
    return str(
        frame.evaluate(
            "() => { const e = document.activeElement; if (!e) return '';"
            " return e.id || (e.name ? e.name + ':' + e.value : e.tagName); }"
        )
    )


def tab_to(page: Any, frame: Any, target: str, limit: int = 60) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if focused(frame) == target:
            return
    raise AssertionError(f"Tab never reached {target} (last: {focused(frame)})")


def fill_by_keyboard(
    page: Any,
    frame: Any,
    title: str,
    co_author: str | None = None,
    with_suggestions: Callable[[], None] | None = None,
    send: bool = True,
) -> None:
    """Only the keyboard: Tab to each field, type, Space for a radio, arrows for a list; with
    ``co_author``, type that part of a colleague's name and pick the first suggestion. Then
    Tab to the submit button and Enter, if ``send``."""
    tab_to(page, frame, "title")
    page.keyboard.type(title)
    tab_to(page, frame, "problem")
    page.keyboard.type("Vuorotyöläiset eivät ehdi kirjastoon.")
    tab_to(page, frame, "solution")
    page.keyboard.type("Omatoimiaika illaksi kulkukortilla.")
    tab_to(page, frame, "scope:unit")
    page.keyboard.press("Space")
    tab_to(page, frame, "unit_id")
    page.keyboard.press("ArrowDown")
    if co_author is not None:
        pick_co_author(page, frame, co_author, with_suggestions)
    if send:
        tab_to(page, frame, "send")
        page.keyboard.press("Enter")


def pick_co_author(
    page: Any, frame: Any, typed: str, with_suggestions: Callable[[], None] | None = None
) -> None:
    """Type part of a name in the co-author search, arrow down to the suggestion, Enter: a chip
    with the colleague's id in a hidden field; focus is back in the search box."""
    tab_to(page, frame, "co_author_query")
    page.keyboard.type(typed)
    suggestion = frame.locator("#co_author_results button.suggestion").first
    suggestion.wait_for(timeout=15_000)
    assert frame.locator("#co_author_results").get_attribute("aria-live") == "polite"
    if with_suggestions is not None:
        with_suggestions()
    page.keyboard.press("ArrowDown")
    assert focused(frame) == "BUTTON"
    page.keyboard.press("Enter")
    chip = frame.locator("#co_author_chosen li")
    chip.first.wait_for(timeout=5_000)
    assert chip.locator("input[type=hidden][name=co_author_ids]").get_attribute("value") == (
        COLLEAGUE
    )
    assert focused(frame) == "co_author_query"


def shows(frame: Any, text: str) -> Callable[[], bool]:
    def check() -> bool:
        try:
            return text in frame.content()
        except Exception:  # navigating: not yet
            return False

    return check


def expect_thanks(frame: Any, language: str, portal: str) -> str:
    """The thank-you page's idea id."""
    wait_for(shows(frame, THANKS[language]), timeout=30)
    link = frame.locator("a[target=_top]")
    assert link.get_attribute("href").startswith(f"{portal}/ideas/i-")
    found = re.search(r"<code>(i-[0-9a-f]+)</code>", frame.content())
    assert found, "the thank-you page names the idea"
    return found.group(1)


def colleague_known(stack: Stack) -> None:
    """The demo organisation's people have reached intake (HR import at start)."""
    headers = stack.token(AUTHOR, "employee", units=("u-kirjasto",))

    def found() -> bool:
        people = httpx.get(
            f"{stack.url('intake')}/people", params={"q": COLLEAGUE_TYPED}, headers=headers
        )
        return people.status_code == 200 and COLLEAGUE in people.text

    wait_for(found, timeout=60)


def invited_on(stack: Stack, idea_id: str) -> list[str]:
    headers = stack.token(AUTHOR, "employee", units=("u-kirjasto",))
    idea = httpx.get(f"{stack.url('intake')}/ideas/{idea_id}", headers=headers, timeout=10)
    assert idea.status_code == 200, idea.text
    return list(idea.json()["invited_ids"])


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_a_colleague_found_by_name_is_invited_as_co_author(
    stack: Stack, browser: Any, language: str
) -> None:
    """The direct page, keyboard only: part of a colleague's name, the suggestion picked, sent;
    the stored idea has them invited. No serious accessibility violations with the suggestions
    and the chip shown."""
    colleague_known(stack)
    page = new_page(browser, language)
    page.goto(form_url(stack, language))
    frame = page.main_frame

    def suggestions_shown() -> None:
        assert "Mikael Lindqvist" in frame.locator("#co_author_results").inner_text()
        assert not serious_violations(page), "the form page with co-author suggestions"
        screenshot(page, f"form-co-author-suggestions-{language}")

    title = TITLES[language] + " (co-author)"
    fill_by_keyboard(page, frame, title, COLLEAGUE_TYPED, suggestions_shown, send=False)
    assert not serious_violations(page), "the form page with a chosen co-author"
    screenshot(page, f"form-co-author-chosen-{language}")
    tab_to(page, frame, "send")
    page.keyboard.press("Enter")
    idea_id = expect_thanks(frame, language, stack.url("portal"))
    assert invited_on(stack, idea_id) == [COLLEAGUE]


def test_a_colleague_is_picked_on_the_framed_page(stack: Stack, browser: Any) -> None:
    colleague_known(stack)
    page = new_page(browser, "sv")
    src = form_url(stack, "sv")
    html = FRAMING_PAGE.format(lang="sv", src=escape(src), intake=stack.url("intake"))
    intranet(page, html, {"Referrer-Policy": "no-referrer"})
    page.goto(f"{INTRANET}/")
    page.frame_locator("#form").locator("#title").wait_for()
    inner = page.frames[1]
    fill_by_keyboard(page, inner, TITLES["sv"] + " (medförfattare)", co_author=COLLEAGUE_TYPED)
    idea_id = expect_thanks(inner, "sv", stack.url("portal"))
    assert invited_on(stack, idea_id) == [COLLEAGUE]
    screenshot(page, "form-framed-co-author-thanks-sv")


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_the_page_opened_directly_is_sent_with_the_keyboard(
    stack: Stack, browser: Any, language: str
) -> None:
    page = new_page(browser, language)
    page.goto(form_url(stack, language))
    assert page.locator("html").get_attribute("lang") == language
    assert not serious_violations(page), "the form page"
    fill_by_keyboard(page, page.main_frame, TITLES[language])
    expect_thanks(page.main_frame, language, stack.url("portal"))
    screenshot(page, f"form-direct-thanks-{language}")


def intranet(page: Any, html: str, headers: dict[str, str] | None = None) -> None:
    """Serve ``html`` as the intranet's page at http://intranet.example/."""

    def fulfil(route: Any) -> None:
        route.fulfill(
            status=200, body=html, headers={"content-type": "text/html", **(headers or {})}
        )

    page.route(f"{INTRANET}/**", fulfil)


FRAMING_PAGE = """<!doctype html><html lang="{lang}"><head><title>Intranet</title></head><body>
<h1>Intranet</h1>
<iframe id="form" title="Idea" src="{src}" style="width:100%;height:200px;border:0"></iframe>
<script>
window.heights = [];
addEventListener("message", (e) => {{
  if (e.origin === "{intake}" && e.data && e.data.type === "ideapaja:form-height") {{
    window.heights.push(e.data.height);
    document.getElementById("form").style.height = e.data.height + "px";
  }}
}});
</script></body></html>"""


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_the_page_framed_on_the_intranet_grows_to_its_height_and_is_sent(
    stack: Stack, browser: Any, language: str
) -> None:
    page = new_page(browser, language)
    src = form_url(stack, language)
    html = FRAMING_PAGE.format(lang=language, src=escape(src), intake=stack.url("intake"))
    intranet(page, html, {"Referrer-Policy": "no-referrer"})
    page.goto(f"{INTRANET}/")
    frame = page.frame_locator("#form")
    frame.locator("#title").wait_for()
    # The page told its parent how tall it is (the allowed origin only) and the frame grew.
    wait_for(lambda: page.evaluate("window.heights.length") > 0, timeout=15)
    height = page.evaluate("document.getElementById('form').getBoundingClientRect().height")
    assert height > 900, height
    inner = page.frames[1]
    fill_by_keyboard(page, inner, TITLES[language] + " (intranet)")
    expect_thanks(inner, language, stack.url("portal"))
    screenshot(page, f"form-framed-thanks-{language}")


PLAIN_FORM = """<!doctype html><html lang="{lang}"><head><title>Intranet</title></head><body>
<form method="post" action="{action}">
<input type="hidden" name="form_token" value="{token}">
<input type="hidden" name="scope" value="unit">
<input type="hidden" name="unit_id" value="u-kirjasto">
<label for="title">Title</label><input id="title" name="title">
<label for="problem">Problem</label><textarea id="problem" name="problem"></textarea>
<label for="solution">Solution</label><textarea id="solution" name="solution"></textarea>
<button>Send</button>
</form></body></html>"""


def send_plain_form(page: Any, language: str) -> None:
    tab_to(page, page.main_frame, "title")
    page.keyboard.type(TITLES[language] + " (plain form)")
    tab_to(page, page.main_frame, "problem")
    page.keyboard.type("Vuorotyöläiset eivät ehdi kirjastoon.")
    tab_to(page, page.main_frame, "solution")
    page.keyboard.type("Omatoimiaika illaksi kulkukortilla.")
    tab_to(page, page.main_frame, "BUTTON")
    page.keyboard.press("Enter")


@pytest.mark.parametrize(
    ("language", "referrer_policy"),
    [("fi", None), ("sv", "no-referrer"), ("en", "no-referrer")],
)
def test_the_plain_intranet_form_is_sent_and_thanked_in_the_persons_language(
    stack: Stack, browser: Any, language: str, referrer_policy: str | None
) -> None:
    """Posted from the intranet's origin (with it, or as Origin: null under no-referrer)."""
    page = new_page(browser, language)
    token = form_token(form_url(stack, language))
    html = PLAIN_FORM.format(lang=language, action=f"{stack.url('intake')}/ideas/form", token=token)
    intranet(page, html, {"Referrer-Policy": referrer_policy} if referrer_policy else None)
    page.goto(f"{INTRANET}/ideas")
    send_plain_form(page, language)
    expect_thanks(page.main_frame, language, stack.url("portal"))
    screenshot(page, f"form-plain-thanks-{language}")


def test_a_page_on_an_origin_not_allowed_is_told_why(stack: Stack, browser: Any) -> None:
    page = new_page(browser, "fi")
    token = form_token(form_url(stack, "fi"))
    html = PLAIN_FORM.format(lang="fi", action=f"{stack.url('intake')}/ideas/form", token=token)

    def fulfil(route: Any) -> None:
        route.fulfill(status=200, body=html, headers={"content-type": "text/html"})

    page.route("http://elsewhere.example/**", fulfil)
    page.goto("http://elsewhere.example/")
    send_plain_form(page, "fi")
    wait_for(shows(page.main_frame, "sallittujen intranet-osoitteiden"), timeout=30)
    log = (stack.state_dir / "logs" / "intake.log").read_text(errors="replace")
    assert "form_origin_refused" in log and "http://elsewhere.example" in log
