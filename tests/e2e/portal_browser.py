"""Driving the portal in Debian's Chromium with Playwright (never a downloaded browser), signed in
through the development issuer's real OpenID Connect code flow."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

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
