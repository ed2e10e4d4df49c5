"""Driving the portal in Debian's Chromium with Playwright (never a downloaded browser), signed in
through the development issuer's real OpenID Connect code flow."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from e2e_stack import Stack, wait_for

CHROMIUM = Path("/usr/bin/chromium")
# Where screenshots go (kept by CI as artifacts; ignored by git).
ARTIFACTS = Path(__file__).resolve().parents[2] / ".artifacts" / "portal"
# Chromium on a closed network: no background connections, no sandbox as root.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WCAG_AA = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}


def require_chromium() -> None:
    if CHROMIUM.exists():
        return
    message = "Chromium is not at /usr/bin/chromium (scripts/bootstrap.py --test installs it)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


# A page Playwright serves (page.route) has no address, so Chromium's Local Network Access takes
# it for the public internet and refuses to frame the stack on 127.0.0.1 from it. A city's
# intranet and Ideapaja share its private network, where framing is allowed: so for such tests.
SAME_NETWORK_ARGS = [
    "--disable-features=LocalNetworkAccessChecks,PrivateNetworkAccessForNavigations,"
    "PrivateNetworkAccessForIframes,BlockInsecurePrivateNetworkRequests"
]


@contextmanager
def chromium(extra_args: list[str] | None = None) -> Iterator[Any]:
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS + (extra_args or [])
        )
        try:
            yield browser
        finally:
            browser.close()


def sign_in(page: Any, portal_url: str, person_id: str) -> None:
    """From the portal's front page through the identity provider's person list and back."""
    page.goto(f"{portal_url}/")
    page.locator("a[href^='/auth/login']").first.click()
    page.locator(f"[data-person='{person_id}']").click()
    page.wait_for_url(f"{portal_url}/**")
    assert page.locator("form[action='/auth/logout']").count() == 1, page.content()[:2000]


def screenshot(page: Any, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def serious_violations(page: Any) -> list[dict[str, Any]]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options=WCAG_AA)
    violations: list[dict[str, Any]] = results.response["violations"]
    return [v for v in violations if v.get("impact") in ("serious", "critical")]


def browser_page(
    browser: Any, *, language: str = "fi-FI", width: int = 1280, javascript: bool = True
) -> Any:
    """A page in a fresh context (its own cookies): ``language`` as the browser asks for it,
    ``width`` px wide (390: a phone), downloads kept, JavaScript on or off."""
    context = browser.new_context(
        locale=language,
        viewport={"width": width, "height": 900},
        java_script_enabled=javascript,
        accept_downloads=True,
    )
    return context.new_page()


def send_form(page: Any, action: str) -> None:
    """Press the first submit button of the form whose action ends with ``action`` and wait
    for the page the portal answers with."""
    with page.expect_navigation():
        page.locator(f"form[action$='{action}'] button[type=submit]").first.click()


def follow(page: Any, selector: str) -> None:
    """Click the link ``selector`` and wait for its page."""
    with page.expect_navigation():
        page.locator(selector).first.click()


def axe_findings(page: Any, where: str, found: dict[str, list[str]]) -> None:
    """Record the page's serious accessibility violations under ``where``."""
    violations = serious_violations(page)
    if violations:
        found[where] = [f"{v['id']} ({v['impact']}): {v['help']}" for v in violations]


def main_text(page: Any) -> str:
    """The page's main content as read, no-break spaces (in 1 234,50 €) as plain ones."""
    return str(page.locator("main").inner_text()).replace("\u00a0", " ").replace("\u202f", " ")


def running_stack(
    tmp_path_factory: pytest.TempPathFactory, name: str, env: dict[str, str] | None = None
) -> Iterator[Stack]:
    """``ideapaja up --demo`` in a state directory of its own, for a module-scoped fixture
    (``yield from running_stack(...)``). A busy machine (a CI runner sharing its cores with
    other stacks) starts the services slowly, hence the generous limits."""
    running = Stack(state_dir=tmp_path_factory.mktemp(name) / "state", ready_timeout=280)
    running.up(demo=True, timeout=300, env=env)
    try:
        yield running
    finally:
        running.down()


def api(stack: Stack, service: str, person: str, *roles: str, unit: str) -> httpx.Client:
    """A client of ``service``'s API as ``person`` with ``roles`` in ``unit`` (dev issuer)."""
    return httpx.Client(
        base_url=stack.url(service), headers=stack.token(person, *roles, units=(unit,)), timeout=60
    )


def submit_idea(stack: Stack, person: str, unit: str, idea: dict[str, str]) -> str:
    """``idea`` (title, problem, solution) submitted by ``person`` for ``unit``; its id."""
    with api(stack, "intake", person, "employee", unit=unit) as intake:
        sent = intake.post("/ideas", json={"scope": "unit", "unit_id": unit, **idea})
    assert sent.status_code == 201, sent.text
    return str(sent.json()["id"])


def accept_idea(stack: Stack, idea_id: str, agent: str, unit: str, rationale: str) -> None:
    """The unit's change agent ``agent`` accepts the idea once review has its case."""
    with api(stack, "review", agent, "employee", "change_agent", unit=unit) as review:

        def routed() -> str | None:
            answer = review.get(f"/cases/by-idea/{idea_id}")
            return answer.json()["id"] if answer.status_code == 200 else None

        case_id = wait_for(routed, timeout=60)
        decided = review.post(
            f"/cases/{case_id}/decision", json={"decision": "accepted", "rationale": rationale}
        )
        assert decided.status_code in (200, 201), decided.text
