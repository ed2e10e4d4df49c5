"""The portal as people use it: Chromium, the embedded stack started as `ideapaja up` starts it,
and sign-in through the development issuer's real OpenID Connect code flow.

Screenshots land in .artifacts/portal/ (CI keeps them)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from e2e_stack import Stack, wait_for
from portal_browser import running_stack, screenshot, serious_violations, sign_in

pytestmark = pytest.mark.e2e

AUTHOR, AGENT = "p-1003", "p-1001"  # Leena Korhonen and Aino Virtanen, Library Services
XSS_TITLE = "Iltakirjasto <script>window.pwned=1</script>"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    yield from running_stack(tmp_path_factory, "portal")


def portal(stack: Stack) -> str:
    return stack.url("portal")


def new_page(
    browser: Any, *, language: str = "fi-FI", width: int = 1280, javascript: bool = True
) -> Any:
    context = browser.new_context(
        locale=language, viewport={"width": width, "height": 900}, java_script_enabled=javascript
    )
    return context.new_page()


def submit_idea(page: Any, url: str, title: str) -> str:
    page.goto(f"{url}/ideas/new")
    page.fill("#title", title)
    page.fill("#problem", "Vuorotyöläiset eivät ehdi kirjastoon aukioloaikoina.")
    page.fill("#solution", "Avataan omatoimiaika klo 20–22 kulkukortilla.")
    page.locator("button[type=submit]", has_text="Lähetä idea").click()
    page.wait_for_url(f"{url}/ideas/i-*?sent=1")
    return str(page.url.rsplit("/", 1)[1].split("?")[0])


def test_an_idea_from_the_employee_to_the_change_agents_decision_and_back(
    stack: Stack, browser: Any
) -> None:
    url = portal(stack)
    author = new_page(browser)
    sign_in(author, url, AUTHOR)
    screenshot(author, "employee-home")
    idea_id = submit_idea(author, url, XSS_TITLE)
    # The title is text on every page: the script never ran and is shown as written.
    assert author.evaluate("window.pwned") is None
    assert author.locator("h1").inner_text() == XSS_TITLE
    assert "Kiitos! Ideasi on lähetetty." in author.content()
    screenshot(author, "employee-idea-sent")

    agent = new_page(browser)
    sign_in(agent, url, AGENT)
    agent.goto(f"{url}/work")
    row = agent.locator("tr", has_text="Iltakirjasto")
    wait_for(lambda: agent.reload() or row.count() > 0, timeout=30)
    screenshot(agent, "change-agent-work-list")
    row.locator("a").first.click()
    assert agent.evaluate("window.pwned") is None
    agent.locator("input[name=decision][value=accepted]").check()
    agent.fill("#rationale", "Kokeillaan keväällä pääkirjastossa.")
    agent.locator("button", has_text="Tallenna päätös").click()
    agent.wait_for_url("**/work/cases/*?done=decided")
    assert "Tallennettu." in agent.content()
    screenshot(agent, "change-agent-decided")

    def accepted() -> bool:
        author.goto(f"{url}/ideas/{idea_id}")
        return "Hyväksytty" in author.locator("main").inner_text()

    wait_for(accepted, timeout=60)
    assert "Kokeillaan keväällä pääkirjastossa." in author.content()
    screenshot(author, "employee-idea-accepted")

    def rewarded() -> bool:
        author.goto(f"{url}/points")
        return "Idea hyväksytty" in author.locator("main").inner_text()

    wait_for(rewarded, timeout=60)
    author.goto(f"{url}/notifications")
    wait_for(lambda: author.reload() or author.locator("main li").count() > 0, timeout=60)
    screenshot(author, "employee-notifications")


PAGES = ["/", "/ideas/new", "/my/ideas", "/ideas", "/notifications", "/points", "/work"]


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_no_serious_accessibility_violations_on_any_page(
    stack: Stack, browser: Any, language: str
) -> None:
    url = portal(stack)
    page = new_page(browser, language=language)
    page.goto(f"{url}/")
    assert not serious_violations(page), "welcome page"
    sign_in(page, url, AGENT)
    if language != "fi":
        page.select_option("#language-choice", language)
        page.locator("form[action='/language'] button").click()
    idea_id = submit_idea_json(stack)
    case_path = wait_for(lambda: case_of(stack, idea_id), timeout=30)
    found: dict[str, list[str]] = {}
    for path in [*PAGES, f"/ideas/{idea_id}", case_path, "/no-such-page"]:
        page.goto(f"{url}{path}")
        assert page.locator("html").get_attribute("lang") == language, path
        violations = serious_violations(page)
        if violations:
            found[path] = [f"{v['id']} ({v['impact']}): {v['help']}" for v in violations]
    screenshot(page, f"case-{language}")
    assert not found, found


def submit_idea_json(stack: Stack) -> str:
    headers = stack.token(AUTHOR, "employee", units=("u-kirjasto",))
    response = httpx.post(
        f"{stack.url('intake')}/ideas",
        headers=headers,
        json={
            "title": "Kirjaston palautelaatikko",
            "problem": "Palaute jää kirjaamatta.",
            "solution": "Sähköinen palautelaatikko.",
            "scope": "unit",
            "unit_id": "u-kirjasto",
        },
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def case_of(stack: Stack, idea_id: str) -> str | None:
    headers = stack.token(AGENT, "employee", "change_agent", units=("u-kirjasto",))
    response = httpx.get(f"{stack.url('review')}/cases/by-idea/{idea_id}", headers=headers)
    return f"/work/cases/{response.json()['id']}" if response.status_code == 200 else None


def test_an_idea_can_be_sent_with_the_keyboard_alone(stack: Stack, browser: Any) -> None:
    url = portal(stack)
    page = new_page(browser)
    sign_in(page, url, AUTHOR)
    page.goto(f"{url}/ideas/new")
    page.keyboard.press("Tab")  # the skip link comes first
    assert page.evaluate("document.activeElement.className") == "skip"
    page.keyboard.press("Enter")
    for _ in range(40):  # from the content onwards to the title field
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "title":
            break
    page.keyboard.type("Näppäimistöllä lähetetty idea")
    page.keyboard.press("Tab")
    page.keyboard.type("Hiiri ei aina ole käytettävissä.")
    page.keyboard.press("Tab")
    page.keyboard.type("Lomake toimii pelkällä näppäimistöllä.")
    # Past the co-author search's button (a submit button too) to the one that sends.
    while page.evaluate("document.activeElement.value") != "send":
        page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_url("**/ideas/i-*?sent=1")
    assert page.locator("h1").inner_text() == "Näppäimistöllä lähetetty idea"


def test_an_empty_idea_sent_marks_each_missing_field_alike(stack: Stack, browser: Any) -> None:
    url = portal(stack)
    page = new_page(browser, width=390)
    sign_in(page, url, AUTHOR)
    page.goto(f"{url}/ideas/new")
    page.locator("button[type=submit]", has_text="Lähetä idea").click()
    page.wait_for_load_state()
    normal = page.locator("#benefit").evaluate("e => getComputedStyle(e).borderTopColor")
    for field in ("title", "problem", "solution"):
        marked = page.locator(f"#{field}")
        assert marked.get_attribute("aria-invalid") == "true", field
        # Left blank: "required", not the service's "too short".
        assert page.locator(f"#{field}-error").inner_text() == "Tämä kenttä on pakollinen."
        # The outline, not only the words: a text input and a text area look the same in error.
        style = marked.evaluate(
            "e => [getComputedStyle(e).borderTopColor, getComputedStyle(e).borderTopWidth]"
        )
        assert style[0] != normal and style[1] == "2px", (field, style, normal)
    screenshot(page, "idea-form-errors-phone")


# Each word of the first link of each row and each status: its line boxes (two: cut in two).
WORD_LINES = """() => [...document.querySelectorAll('main tbody tr')]
    .filter(row => row.offsetParent !== null)
    .flatMap(row => [row.querySelector('a'), ...row.querySelectorAll('.status')])
    .filter(e => e && e.offsetParent !== null)
    .flatMap(e => {
        const text = e.firstChild, found = [];
        for (const m of text.textContent.matchAll(/\\S+/g)) {
            const r = document.createRange();
            r.setStart(text, m.index); r.setEnd(text, m.index + m[0].length);
            found.push([m[0], r.getClientRects().length]);
        }
        return found;
    })"""


def test_on_a_phone_the_work_list_cuts_no_word_in_two(stack: Stack, browser: Any) -> None:
    url = portal(stack)
    author = new_page(browser, width=360)
    sign_in(author, url, AUTHOR)
    title = "Työlista puhelimella esikäsittelyssä"
    submit_idea(author, url, title)
    agent = new_page(browser, width=360)
    sign_in(agent, url, AGENT)
    # In Finnish (another test may have left the agent's choice on English): its long words.
    agent.select_option("#language-choice", "fi")
    agent.locator("form[action='/language'] button").click()

    def listed() -> bool:
        agent.goto(f"{url}/work")
        return agent.locator("main tr", has_text=title).count() == 1

    wait_for(listed)
    words = agent.evaluate(WORD_LINES)
    assert ["Esikäsittelyssä", 1] in words and ["puhelimella", 1] in words, words
    assert all(lines == 1 for _, lines in words), words
    assert agent.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(agent, "phone-work")
    # A case decided has no due date: no "Due" left without one.
    undated = agent.locator("main .narrow-only", has_text="Päätetty")
    assert undated.count() == 0 or "Määräaika" not in undated.first.inner_text()
    # On a wide screen the status and the date keep their own columns.
    wide = new_page(browser)
    sign_in(wide, url, AGENT)
    wide.goto(f"{url}/work")
    row = wide.locator("main tr", has_text=title)
    assert row.locator("td").nth(1).inner_text() == "Esikäsittelyssä"
    assert not row.locator(".narrow-only").is_visible()


def test_the_employee_pages_fit_a_phone(stack: Stack, browser: Any) -> None:
    url = portal(stack)
    page = new_page(browser, width=360)
    sign_in(page, url, AUTHOR)
    for path in ["/", "/ideas/new", "/my/ideas", "/ideas", "/notifications", "/points"]:
        page.goto(f"{url}{path}")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, f"{path} scrolls sideways: {width}px"
        screenshot(page, "phone" + (path.replace("/", "-") if path != "/" else "-home"))


def test_a_forged_cross_site_post_is_refused_and_creates_nothing(
    stack: Stack, browser: Any
) -> None:
    url = portal(stack)
    page = new_page(browser)
    sign_in(page, url, AUTHOR)
    before = my_idea_count(stack)
    # A page of another site that posts the idea form to the portal on load.
    evil = "http://evil.example/"
    page.route(
        evil,
        lambda route: route.fulfill(
            content_type="text/html",
            body=f'<form id="f" method="post" action="{url}/ideas/new">'
            '<input name="title" value="Forged idea"><input name="problem" value="x">'
            '<input name="solution" value="y"><input name="unit_id" value="u-kirjasto">'
            '</form><script>document.getElementById("f").submit()</script>',
        ),
    )
    page.goto(evil)
    page.wait_for_load_state()
    assert page.url.startswith(url)
    assert my_idea_count(stack) == before
    # The same with the session's cookie but no CSRF token, from a plain HTTP client.
    cookie = next(c for c in page.context.cookies() if c["name"] == "ideapaja_session")
    forged = httpx.post(
        f"{url}/ideas/new",
        headers={"Cookie": f"ideapaja_session={cookie['value']}"},
        data={"title": "Forged idea", "problem": "x", "solution": "y", "unit_id": "u-kirjasto"},
    )
    assert forged.status_code == 403
    assert "Lomaketta ei voitu lähettää" in forged.text
    assert my_idea_count(stack) == before


def my_idea_count(stack: Stack) -> int:
    headers = stack.token(AUTHOR, "employee", units=("u-kirjasto",))
    response = httpx.get(f"{stack.url('intake')}/ideas", params={"mine": "true"}, headers=headers)
    return int(response.json()["total"])


def test_an_expired_session_returns_to_sign_in(stack: Stack, browser: Any) -> None:
    url = portal(stack)
    page = new_page(browser)
    sign_in(page, url, AUTHOR)
    database = stack.state_dir / "data" / "portal.db"
    database = database if database.exists() else next(Path(stack.state_dir).rglob("portal*.db"))
    past = (datetime.now(UTC) - timedelta(minutes=1)).strftime("%Y-%m-%d %H:%M:%S.%f")
    with sqlite3.connect(database) as db:
        db.execute("UPDATE portal_sessions SET expires_at = ?", (past,))
    page.goto(f"{url}/my/ideas")
    # Back at the identity provider, and after it to the page asked for.
    assert "/authorize" in page.url
    page.locator(f"[data-person='{AUTHOR}']").click()
    page.wait_for_url(f"{url}/my/ideas")


def test_a_draft_is_kept_then_sent_with_an_attachment(
    stack: Stack, browser: Any, tmp_path: Path
) -> None:
    url = portal(stack)
    page = new_page(browser)
    sign_in(page, url, AUTHOR)
    page.goto(f"{url}/ideas/new")
    page.fill("#title", "Luonnos: lainattavat lukulasit")
    page.locator("button[value=draft]").click()
    page.wait_for_url(f"{url}/my/ideas?saved=1")
    page.get_by_role("link", name="Luonnos: lainattavat lukulasit").click()
    assert page.input_value("#title") == "Luonnos: lainattavat lukulasit"
    page.fill("#problem", "Asiakkaat unohtavat lukulasinsa kotiin.")
    page.fill("#solution", "Lainataan lukulaseja tiskiltä.")
    page.select_option("#team_unit_id", "u-kirjasto")
    notes = tmp_path / "lukulasit.txt"
    notes.write_text("Kolme vahvuutta: +1,5, +2,0 ja +2,5.\n", encoding="utf-8")
    page.set_input_files("#attachment", str(notes))
    page.locator("button[value=send]").click()
    page.wait_for_url("**/ideas/i-*?sent=1")
    link = page.get_by_role("link", name="lukulasit.txt")
    with page.expect_download() as download:
        link.click()
    saved = tmp_path / "downloaded.txt"
    download.value.save_as(saved)
    assert saved.read_text(encoding="utf-8") == notes.read_text(encoding="utf-8")
    page.goto(f"{url}/my/ideas")
    assert "Luonnokset" not in page.content()  # the draft became the idea


def test_hr_reads_the_grants_and_downloads_them_for_payroll(
    stack: Stack, browser: Any, tmp_path: Path
) -> None:
    submit_idea_json(stack)  # at least the submission's grant
    url = portal(stack)
    page = new_page(browser)
    sign_in(page, url, "p-1016")  # Riikka Koskinen, HR
    page.goto(f"{url}/grants")
    wait_for(lambda: page.reload() or page.locator("tbody tr").count() > 0, timeout=60)
    assert not serious_violations(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="Lataa kaikki CSV-tiedostona").click()
    saved = tmp_path / "grants.csv"
    download.value.save_as(saved)
    rows = saved.read_text(encoding="utf-8-sig").splitlines()
    assert rows[0].startswith("id;person_id;idea_id;")
    assert len(rows) >= 2 and ";Idea lähetetty" in rows[1]


# Co-authors picked by name (issues 12 and 15): Noora Heikkinen (Tähtitarha day care) proposes,
# Leena Korhonen (Library Services) is picked and accepts.
NOORA = "p-1006"


def idea_form(
    stack: Stack, browser: Any, language: str = "fi", **page_options: Any
) -> tuple[str, Any]:
    """The portal's address, and a page on its idea form signed in as Noora (in ``language``,
    chosen with the switcher: it is remembered for her)."""
    url = portal(stack)
    page = new_page(browser, language=language, **page_options)
    sign_in(page, url, NOORA)
    page.select_option("#language-choice", language)
    page.locator("form[action='/language'] button").click()
    page.goto(f"{url}/ideas/new")
    return url, page


def search_box_ready(page: Any) -> None:
    """A pick swaps in a fresh search box; htmx wires it up when the swap settles (some ms
    later, longer on a loaded machine). Typing before that would send no search."""
    page.wait_for_function(
        "() => { const box = document.getElementById('co-author-q');"
        " return !!(box && box['htmx-internal-data'] && box['htmx-internal-data'].initHash); }"
    )


def one_chosen_and_suggestions_open(page: Any) -> None:
    """The picker in full: a chip, and suggestions for the next name."""
    page.fill("#co-author-q", "kor")
    page.locator("#co-author-suggestions button").first.click()
    page.locator("#co-authors-chosen li").first.wait_for()
    search_box_ready(page)
    page.fill("#co-author-q", "ni")
    page.locator("#co-author-suggestions button").first.wait_for()


def fill_idea(page: Any, title: str) -> None:
    page.fill("#title", title)
    page.fill("#problem", "Päiväkodin ja kirjaston yhteiset satutunnit eivät sovi aikatauluihin.")
    page.fill("#solution", "Sovitaan satutunnit kerran kuussa kirjaston aukioloaikaan.")


def test_a_colleague_picked_by_name_is_named_on_the_idea_and_accepts_it(
    stack: Stack, browser: Any
) -> None:
    url, author = idea_form(stack, browser)
    fill_idea(author, "Yhteiset satutunnit kirjastossa")
    author.fill("#co-author-q", "kor")
    suggestion = author.locator("#co-author-suggestions button", has_text="Leena Korhonen")
    suggestion.wait_for()
    assert "Kirjastopalvelut" in suggestion.inner_text()  # the unit, in the page's language
    assert not serious_violations(author), "the form with suggestions open"
    suggestion.click()
    chip = author.locator("#co-authors-chosen li", has_text="Leena Korhonen")
    chip.wait_for()
    assert chip.locator(f"input[type=hidden][value='{AUTHOR}']").count() == 1
    assert "Leena Korhonen lisättiin kanssatekijäksi." in author.inner_text(
        "#co-author-suggestions"
    )
    # The search box is ready for the next name (focus returned to it).
    assert author.evaluate("document.activeElement.id") == "co-author-q"
    # Another pick, then removed again: its chip goes.
    search_box_ready(author)
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
    assert AUTHOR not in main and "Sanna Mäkinen" not in main
    screenshot(author, "co-authors-idea")

    colleague = new_page(browser)
    sign_in(colleague, url, AUTHOR)
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
    url, page = idea_form(stack, browser, javascript=False)
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
    _, page = idea_form(stack, browser)
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
    _, page = idea_form(stack, browser, language)
    one_chosen_and_suggestions_open(page)
    assert page.locator("html").get_attribute("lang") == language
    violations = serious_violations(page)
    assert not violations, [f"{v['id']}: {v['help']}" for v in violations]


def test_the_picker_fits_a_phone(stack: Stack, browser: Any) -> None:
    _, page = idea_form(stack, browser, width=360)
    one_chosen_and_suggestions_open(page)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the form scrolls sideways: {width}px"
    screenshot(page, "phone-co-authors-form")
