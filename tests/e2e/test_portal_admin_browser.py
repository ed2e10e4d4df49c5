"""The admin area in Chromium, against the embedded stack started as `ideapaja up` starts it, signed
in as the demo admin through the development issuer's real OpenID Connect flow: a routing rule
edited, a change agent added by name, a reward rule version saved, a dead letter seen (an HR
record no consumer can read, published as the HR adapter would); axe on every admin page in fi,
sv and en, and the pages at 360 px. Screenshots land in .artifacts/portal/."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
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
)

pytestmark = pytest.mark.e2e

ADMIN = "p-1018"  # Ville Järvinen: the demo admin
NEW_AGENT = "p-1009"  # Päivi Laine, home care: an employee
BROKEN = "p-9901"  # an HR record with no e-mail address: no consumer can read it
PAGES = (
    "/admin",
    "/admin/routing-rules",
    "/admin/routing-rules/default",
    "/admin/change-agents?q=laine",
    "/admin/committees",
    "/admin/reward-rules",
    "/admin/dead-letters",
)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    yield from running_stack(tmp_path_factory, "portal-admin")


def publish_unreadable_hr_record(stack: Stack) -> None:
    """As the HR adapter publishes a person, but with an e-mail that is none: every consumer of
    HR records dead-letters it at once (the real consumer path)."""
    import nats

    from ideapaja_contracts import encode
    from ideapaja_contracts.events.hr import HrRole, PersonUpserted

    async def publish() -> None:
        person = PersonUpserted(
            person_id=BROKEN, unit_id="u-digi", display_name="Salla Salainen",
            email="salla@example.org", roles=[HrRole.EMPLOYEE],
        )  # fmt: skip
        message = encode(person, source="/hr")
        body = json.loads(message.body) | {"email": "Salla Salainen (no address)"}
        nc = await nats.connect(stack.nats_url, **stack.nats_credentials("hr-adapter"))
        try:
            js = nc.jetstream()
            await js.publish(message.subject, json.dumps(body).encode(), headers=message.headers)
        finally:
            await nc.close()

    # Playwright's sync API keeps an event loop running in this thread: publish from another.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, publish()).result(timeout=30)


@pytest.mark.timeout(900)
def test_the_demo_admin_edits_rules_adds_a_change_agent_and_sees_a_dead_letter(
    stack: Stack, browser: Any
) -> None:
    url = stack.url("portal")
    publish_unreadable_hr_record(stack)
    page = browser_page(browser)
    sign_in(page, url, ADMIN)
    page.goto(f"{url}/ideas")
    page.locator("nav a[href='/admin']").click()
    page.wait_for_url(f"{url}/admin")

    # A routing rule: the first department's, screening in ten days.
    page.goto(f"{url}/admin/routing-rules")
    department = page.locator("table a[href^='/admin/routing-rules/']").first
    with page.expect_navigation():
        department.click()
    rule_path = page.url.removeprefix(url)
    page.fill("#screening_days", "0")
    send_form(page, rule_path)
    assert "Luku on liian pieni." in main_text(page)  # review's refusal, beside the field
    page.fill("#screening_days", "10")
    send_form(page, rule_path)
    assert "Ohjaussääntö tallennettiin." in main_text(page)
    screenshot(page, "admin-routing-rules")

    # A change agent, found by name.
    page.goto(f"{url}/admin/change-agents")
    page.fill("#person-q", "Laine")
    with page.expect_navigation():
        page.locator("form[role=search] button[type=submit]").click()
    page.locator(f"input[name=person_id][value={NEW_AGENT}]").check()
    page.select_option("#unit_id", "u-kotihoito")
    send_form(page, "/admin/change-agents")
    text = main_text(page)
    assert "Päivi Laine lisättiin tehtävään." in text, text
    screenshot(page, "admin-change-agents")

    # A new version of the reward rules, with its reason.
    page.goto(f"{url}/admin/reward-rules")
    page.fill("#points-accepted", "60")
    page.fill("#reason", "Hyväksytyistä ideoista enemmän pisteitä kevään ajan")
    send_form(page, "/admin/reward-rules")
    text = main_text(page)
    assert "Palkitsemissääntöjen versio 2 on voimassa." in text, text
    assert "Ville Järvinen" in text and "kevään ajan" in text
    screenshot(page, "admin-reward-rules")

    # The dead letter, listed without its contents.
    def listed() -> bool:
        page.goto(f"{url}/admin/dead-letters")
        return f"hr.person.{BROKEN}" in main_text(page)

    wait_for(listed, timeout=60)
    assert "Salla" not in page.content()
    screenshot(page, "admin-dead-letters")

    # Every admin page in three languages: no serious accessibility violations.
    found: dict[str, list[str]] = {}
    for language in ("fi-FI", "sv-FI", "en-GB"):
        reader = browser_page(browser, language=language)
        sign_in(reader, url, ADMIN)
        for path in PAGES:
            reader.goto(f"{url}{path}")
            assert reader.locator("h1").count() == 1, path
            axe_findings(reader, f"{path} ({language})", found)
        reader.context.close()
    assert found == {}, found

    # A phone: 360 px wide, nothing wider than the screen.
    phone = browser_page(browser, width=360)
    sign_in(phone, url, ADMIN)
    for path in ("/admin/change-agents", "/admin/reward-rules", "/admin/dead-letters"):
        phone.goto(f"{url}{path}")
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, (path, width)
    screenshot(phone, "admin-dead-letters-360")  # the last page the loop opened
