"""Periodic awards in Chromium against the embedded stack as `ideapaja up --demo` starts it,
signed in through the development issuer's real OpenID Connect flow: a committee member opens the
idea of the month's round on a 360 px phone, finds the idea by its words and nominates it, two
members vote (one changes their vote), a chair decides, and the idea's author sees it won. Axe
on the pages in Finnish, Swedish and English. The idea is submitted through intake's API (other
tests drive the idea form). Screenshots land in .artifacts/portal/."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from e2e_stack import Stack, wait_for
from portal_browser import (
    axe_findings,
    browser_page,
    main_text,
    running_stack,
    screenshot,
    send_form,
    sign_in,
    submit_idea,
)

pytestmark = pytest.mark.e2e

AUTHOR = "p-1003"  # Leena Korhonen, Library Services
MEMBER = "p-1007"  # Jukka Nieminen: committee member (Finnish)
MEMBER_EN = "p-1024"  # Grace Mwangi: committee member (English, as HR records her language)
CHAIR = "p-1021"  # Emma Andersson: management and committee member, so a chair (Swedish)
TITLE = "Kirjaston kirjapalautus yöllä luukusta"
OTHER = "Kotihoidon avainsäilö sähköiseksi"
PHONE = 360


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    yield from running_stack(tmp_path_factory, "award-rounds")


def idea(title: str) -> dict[str, str]:
    return {
        "title": title,
        "problem": "Palautus vain aukioloaikoina.",
        "solution": "Luukku, joka kirjaa palautukset.",
    }


def narrow_enough(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE, f"{page.url} scrolls sideways: {width}px"


@pytest.mark.timeout(900)
def test_an_idea_of_the_month_from_nomination_to_the_winner(stack: Stack, browser: Any) -> None:
    url = stack.url("portal")
    found: dict[str, list[str]] = {}
    idea_id = submit_idea(stack, AUTHOR, "u-kirjasto", idea(TITLE))
    other_id = submit_idea(stack, "p-1009", "u-kotihoito", idea(OTHER))

    # A committee member opens the month's round on a phone.
    member = browser_page(browser, width=PHONE)
    sign_in(member, url, MEMBER)
    member.goto(f"{url}/award-rounds")
    assert member.locator("nav a[href='/award-rounds']").count() == 1
    axe_findings(member, "rounds (fi)", found)
    narrow_enough(member)
    member.locator("input[name=kind][value=idea_of_the_month]").check()
    # (The list's filter is a form to /award-rounds too: the one that opens is the POST.)
    with member.expect_navigation():
        member.locator("form[method=post][action='/award-rounds'] button[type=submit]").click()
    assert "?done=opened" in member.url, main_text(member)
    round_url = member.url.split("?")[0]
    assert "Kuukauden idea" in main_text(member)

    # Finds the idea by its words and nominates it (reward hears of a new idea a moment later:
    # until then the page says so, and the member tries again).
    def nominated(candidate: str, words: str) -> bool:
        member.goto(f"{round_url}?q={words}")
        member.locator(f"input[name=candidate][value={candidate}]").check()
        member.fill("#reason", "Säästää henkilökunnan aikaa joka aamu.")
        send_form(member, "/nominations")
        return "?done=nomination" in member.url

    wait_for(lambda: nominated(idea_id, "luukusta"), timeout=60, interval=1)
    wait_for(lambda: nominated(other_id, "avainsäilö"), timeout=60, interval=1)
    text = main_text(member)
    assert TITLE in text and OTHER in text and "Kiitos" in text, text
    axe_findings(member, "round (fi)", found)
    narrow_enough(member)
    screenshot(member, "award-round-nominated-360")
    # Votes for the other idea first, then changes the vote.
    member.locator(f"form[action$='/votes'] input[value={other_id}]").check()
    send_form(member, "/votes")
    member.locator(f"form[action$='/votes'] input[value={idea_id}]").check()
    send_form(member, "/votes")
    assert "Muuta ääntäni" in main_text(member)
    assert member.locator(f"form[action$='/votes'] input[value={idea_id}]").is_checked()

    # A second member votes, in English.
    english = browser_page(browser, language="en-GB")
    sign_in(english, url, MEMBER_EN)
    english.goto(round_url)
    assert 'lang="en"' in english.content()[:200]
    english.locator(f"form[action$='/votes'] input[value={idea_id}]").check()
    send_form(english, "/votes")
    assert "Your vote is saved" in main_text(english)
    axe_findings(english, "round (en)", found)

    # The chair decides, in Swedish: the idea with the most votes wins.
    chair = browser_page(browser, language="sv-FI")
    sign_in(chair, url, CHAIR)
    chair.goto(round_url)
    assert 'lang="sv"' in chair.content()[:200]
    axe_findings(chair, "round (sv)", found)
    chair.locator("form[action$='/decision'] input[name=candidate][value='']").check()
    chair.fill("#note", "Två röster av två.")
    send_form(chair, "/decision")
    assert "?done=decision" in chair.url, main_text(chair)
    assert "Omgången är avgjord" in main_text(chair)
    axe_findings(chair, "round decided (sv)", found)

    # The author sees their idea won.
    author = browser_page(browser, width=PHONE)
    sign_in(author, url, AUTHOR)
    author.goto(f"{url}/award-rounds?status=decided")
    author.locator(f"a[href$='{round_url.rsplit('/', 1)[1]}']").click()
    author.wait_for_url(round_url)
    text = main_text(author)
    assert f"Voittaja\n\n{TITLE}" in text, text
    assert "Två röster av två." in text
    assert author.locator("form[action$='/nominations']").count() == 0  # decided: closed
    narrow_enough(author)
    axe_findings(author, "round decided (fi)", found)
    screenshot(author, "award-round-winner-360")

    assert not found, found
