"""A reward in Chromium, from the proposal through the approval chain to HR's report, against the
embedded stack started as `ideapaja up --demo` starts it, signed in through the development
issuer's real OpenID Connect flow.

The city here lets the development committee endorse rewards up to 100 € and the management group
approve anything above (IDEAPAJA_REWARD_APPROVAL_LIMITS), so a supervisor's 150 € proposal is
approved by a committee member, then by management. The idea is proposed and accepted through
the APIs (other tests drive that in the browser); the budget, the proposal, every decision and
the report are done in the browser. Screenshots land in .artifacts/portal/."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
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
    main_text,
    running_stack,
    screenshot,
    send_form,
    sign_in,
    submit_idea,
)

pytestmark = pytest.mark.e2e

AUTHOR = "p-1003"  # Leena Korhonen, Library Services
AGENT = "p-1001"  # Aino Virtanen, the library's change agent
SUPERVISOR = "p-1002"  # Mikael Lindqvist, the library's supervisor (reads Swedish)
MEMBER = "p-1007"  # Jukka Nieminen: a supervisor elsewhere, development committee member
MEMBER_2 = "p-1024"  # Grace Mwangi: development committee member (reads English)
MANAGER = "p-1022"  # Petri Kallio: management group
HR = "p-1016"  # Riikka Koskinen: HR
CHAIR = "p-1020"  # Helena Rantanen: management, committee member, reward approver
DEPARTMENT = "d-sivistys"  # Education and Culture, the library's department
TITLE = "Omatoimikirjasto myös sunnuntaisin"
LIMITS = [{"role": "committee_member", "limit": "100.00"}, {"role": "management", "limit": None}]
PHONE = 390


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    env = {"IDEAPAJA_REWARD_APPROVAL_LIMITS": json.dumps(LIMITS)}
    yield from running_stack(tmp_path_factory, "portal-awards", env)


@pytest.fixture(scope="module")
def idea_id(stack: Stack) -> str:
    """Leena's idea for the library, accepted by its change agent and known to reward."""
    idea = submit_idea(
        stack,
        AUTHOR,
        "u-kirjasto",
        {
            "title": TITLE,
            "problem": "Vuorotyöläiset eivät ehdi kirjastoon arkisin.",
            "solution": "Omatoimiaika myös sunnuntaisin kulkukortilla.",
        },
    )
    accept_idea(stack, idea, AGENT, "u-kirjasto", "Kokeillaan kevään ajan.")
    with api(stack, "reward", HR, "hr", unit="u-henkilosto") as reward:

        def accepted_in_reward() -> bool:
            ledger = reward.get(f"/ledger/{AUTHOR}").json()
            return any(e["idea_id"] == idea and e["rule"] == "accepted" for e in ledger["items"])

        wait_for(accepted_in_reward, timeout=60)
    return idea


def this_year() -> int:
    return datetime.now(ZoneInfo("Europe/Helsinki")).year


def error_summary(page: Any) -> str:
    """The form's error summary, which must have taken the focus (with JavaScript off too)."""
    from playwright.sync_api import expect

    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    return str(summary.inner_text())


# Seven people and some twenty pages on a shared two-core machine.
@pytest.mark.timeout(900)
def test_a_supervisors_150_euros_through_the_committee_and_management_to_hr(
    stack: Stack, browser: Any, idea_id: str
) -> None:
    url = stack.url("portal")
    found: dict[str, list[str]] = {}

    # HR gives the library's department its reward budget for the year.
    hr = browser_page(browser)
    sign_in(hr, url, HR)
    hr.goto(f"{url}/budgets")
    hr.fill(f"#amount-{DEPARTMENT}", "2 000,00")
    send_form(hr, f"/budgets/{DEPARTMENT}/{this_year()}")
    assert f"saved={DEPARTMENT}" in hr.url
    assert "Jäljellä\n2 000,00 €" in main_text(hr), main_text(hr)
    axe_findings(hr, "budgets", found)
    screenshot(hr, "reward-budgets")

    # The library's supervisor proposes 150,00 € for Leena, in Swedish and without JavaScript;
    # a mistyped amount first: the summary of what to fix takes the focus.
    boss = browser_page(browser, language="sv-FI", javascript=False)
    sign_in(boss, url, SUPERVISOR)
    boss.goto(f"{url}/ideas/{idea_id}")
    follow(boss, f"a[href='/ideas/{idea_id}/award']")
    assert boss.get_by_label("Leena Korhonen").is_checked()
    boss.fill("#amount", "150,005")
    boss.fill("#justification", "Söndagsöppet gav 300 nya kunder i månaden.")
    send_form(boss, "/award")
    # (No script runs on this page: axe and the focus are checked where scripts run.)
    assert "högst två decimaler" in boss.locator(".error-summary").inner_text()
    assert boss.locator("#amount[aria-invalid=true]").count() == 1
    screenshot(boss, "reward-proposal-error-sv")
    boss.fill("#amount", "150,00")
    send_form(boss, "/award")
    assert "/awards/a-" in boss.url, main_text(boss)[:2000]
    award_url = boss.url.split("?")[0]
    award_id = award_url.rsplit("/", 1)[1]
    text = main_text(boss)
    assert "Pengar: 150,00 €" in text and "Leena Korhonen" in text, text
    assert "Steg 1: Medlem i utvecklingskommittén" in text and "Steg 2: Ledningsgruppen" in text
    screenshot(boss, "reward-proposed-sv")

    # A committee member finds it waiting for them and endorses step 1.
    member = browser_page(browser)
    sign_in(member, url, MEMBER)
    member.goto(f"{url}/awards")
    waiting = member.locator("section[aria-labelledby=waiting-heading]")
    assert TITLE in waiting.inner_text()
    axe_findings(member, "awards", found)
    screenshot(member, "reward-proposals")
    follow(member, f"section[aria-labelledby=waiting-heading] a[href^='/awards/{award_id}#']")
    member.fill("#note", "Puollan, hyvä kokeilu.")
    send_form(member, "/approve")
    assert "Seuraavaksi: vaihe 2, Johtoryhmä" in main_text(member), main_text(member)
    assert "Hyväksyit aiemman vaiheen" in main_text(member)
    assert member.locator("form[action$='/approve']").count() == 0
    screenshot(member, "reward-step-1-approved")

    # Another committee member cannot approve 150 € (above her limit: the service says so),
    # nor her own proposal (the page says so before she tries).
    grace = browser_page(browser, language="en-GB")
    sign_in(grace, url, MEMBER_2)
    grace.goto(award_url)
    send_form(grace, "/approve")
    assert "above your approval limit: this step needs Management group" in error_summary(grace)
    assert "Approved by Jukka Nieminen" in main_text(grace)
    axe_findings(grace, "award refused (en)", found)
    screenshot(grace, "reward-refused-above-limit-en")
    grace.goto(f"{url}/ideas/{idea_id}")
    follow(grace, f"a[href='/ideas/{idea_id}/award']")
    grace.locator("input[name=kind][value=recognition]").check()
    send_form(grace, "/award")  # without saying why: the summary takes the focus
    assert "This field is required." in error_summary(grace)
    axe_findings(grace, "award form with errors (en)", found)
    screenshot(grace, "reward-proposal-error-en")
    grace.fill("#justification", "Great service for shift workers.")
    send_form(grace, "/award")
    assert "You proposed this one" in main_text(grace)
    assert grace.locator("form[action$='/approve']").count() == 0
    screenshot(grace, "reward-own-proposal-en")

    # Management approves the last step: granted, and payroll told.
    manager = browser_page(browser)
    sign_in(manager, url, MANAGER)
    manager.goto(f"{url}/awards")
    follow(manager, f"section[aria-labelledby=waiting-heading] a[href^='/awards/{award_id}#']")
    send_form(manager, "/approve")
    text = main_text(manager)
    assert "Hyväksytty. Palkkio on myönnetty" in text, text
    assert "Hyväksyjä Jukka Nieminen" in text and "Hyväksyjä Petri Kallio" in text
    screenshot(manager, "reward-granted")

    # HR sees the grant in the period's report and downloads the period as CSV.
    hr.goto(f"{url}/grants")
    report = main_text(hr).split("Kaikki myönnetyt palkkiot")[0]
    assert "Sivistystoimi" in report and "Kirjastopalvelut" in report and "150,00 €" in report
    axe_findings(hr, "grants report", found)
    screenshot(hr, "reward-report")
    with hr.expect_download() as download:
        hr.locator("a[href^='/grants/report.csv']").click()
    with Path(download.value.path()).open(encoding="utf-8") as file:
        rows = [row for row in csv.DictReader(file) if row["approval_trail_id"] == award_id]
    assert [(r["person_id"], r["kind"], r["amount"], r["department_id"]) for r in rows] == [
        (AUTHOR, "money", "150.00", DEPARTMENT)
    ]
    hr.goto(f"{url}/budgets")
    assert "Varattu\n150,00 €" in main_text(hr) and "Jäljellä\n1 850,00 €" in main_text(hr)
    assert not found, found


@pytest.fixture(scope="module")
def reward_pages(stack: Stack, idea_id: str) -> dict[str, list[tuple[str, str]]]:
    """The new pages by who sees them: a proposal waiting (made through reward's API)."""
    with api(stack, "reward", HR, "hr", unit="u-henkilosto") as hr:
        budget = hr.put(f"/budgets/{DEPARTMENT}/{this_year()}", json={"amount": "5000.00"})
        assert budget.status_code == 200, budget.text
    roles = ("employee", "management", "committee_member", "reward_approver")
    with api(stack, "reward", CHAIR, *roles, unit="d-konserni") as chair:
        proposed = chair.post(
            "/awards",
            json={"idea_id": idea_id, "kind": "gift", "amount": "40.00", "justification": "Kiitos"},
        )
        assert proposed.status_code == 201, proposed.text
    award = ("proposal", f"/awards/{proposed.json()['id']}")
    return {
        CHAIR: [
            ("proposals", "/awards"),
            award,
            ("proposal-form", f"/ideas/{idea_id}/award"),
            ("idea", f"/ideas/{idea_id}"),
            ("budgets-read", "/budgets"),
        ],
        HR: [("grants", "/grants"), ("budgets", "/budgets"), award],
    }


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_the_reward_pages_on_a_phone_in_each_language(
    stack: Stack, browser: Any, reward_pages: dict[str, list[tuple[str, str]]], language: str
) -> None:
    url = stack.url("portal")
    found: dict[str, list[str]] = {}
    for person, paths in reward_pages.items():
        page = browser_page(browser, width=PHONE)
        sign_in(page, url, person)
        page.select_option("#language-choice", language)
        send_form(page, "/language")
        for name, path in paths:
            response = page.goto(f"{url}{path}")
            assert response.status == 200, path
            assert page.locator("html").get_attribute("lang") == language, path
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= PHONE, f"{path} scrolls sideways on a phone: {width}px"
            axe_findings(page, f"{path} ({person})", found)
            if person == CHAIR or name == "grants":
                screenshot(page, f"reward-phone-{name}-{language}")
        page.context.close()
    assert not found, found
