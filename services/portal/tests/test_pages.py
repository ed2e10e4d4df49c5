"""The portal's pages before anyone signs in: the welcome page in three languages, friendly error
pages, strict security headers, and every other page behind sign-in."""

from __future__ import annotations

import re

from fastapi.routing import APIRoute

from ideapaja_portal import privacy
from ideapaja_portal.app import service
from ideapaja_runtime.testing import RunningService

PUBLIC_PAGES = {"/", "/auth/login", "/auth/callback"}


async def test_the_welcome_page_speaks_the_browsers_language(portal: RunningService) -> None:
    finnish = await portal.client.get("/")
    assert finnish.status_code == 200
    assert '<html lang="fi">' in finnish.text
    assert "Kirjaudu sisään" in finnish.text
    swedish = await portal.client.get("/", headers={"Accept-Language": "sv-FI,sv;q=0.9"})
    assert '<html lang="sv">' in swedish.text and "Logga in" in swedish.text
    english = await portal.client.get("/?lang=en", headers={"Accept-Language": "sv"})
    assert '<html lang="en">' in english.text and "Sign in" in english.text
    # No session for a passer-by.
    assert "set-cookie" not in finnish.headers


async def test_pages_carry_a_strict_content_security_policy(portal: RunningService) -> None:
    response = await portal.client.get("/")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "frame-ancestors 'none'" in policy
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    # No inline script anywhere: every script is a file of the portal's own.
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", response.text)
    assert 'src="/static/vendor/htmx.min.js"' in response.text


async def test_assets_are_served_by_the_portal_itself(portal: RunningService) -> None:
    htmx = await portal.client.get("/static/vendor/htmx.min.js")
    assert htmx.status_code == 200
    assert "htmx" in htmx.text[:2000]
    css = await portal.client.get("/static/portal.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")


async def test_an_unknown_page_is_a_friendly_page_not_json(portal: RunningService) -> None:
    response = await portal.client.get("/no/such/page", headers={"Accept-Language": "sv"})
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "Sidan hittades inte" in response.text


async def test_every_page_is_behind_sign_in(portal: RunningService) -> None:
    """Each page route, called without a session, sends the person to sign in (and back to the
    page afterwards); a state-changing POST never does anything."""
    routes = [
        route
        # Every router of the portal but its JSON API (the access report, bearer tokens).
        for router in service.routers
        if router is not privacy.router
        for route in router.routes
        if isinstance(route, APIRoute) and route.path not in PUBLIC_PAGES
    ]
    assert len(routes) >= 40
    for route in routes:
        path = re.sub(r"\{[^}]+\}", "x-1", route.path)
        for method in route.methods:
            response = await portal.client.request(method, path)
            where = f"{method} {route.path}"
            if method == "GET":
                assert response.status_code == 303, where
                assert (
                    response.headers["location"] == f"/auth/login?next={path.replace('/', '%2F')}"
                ), where
            else:
                assert response.status_code in (303, 403), where
                if response.status_code == 303:
                    assert response.headers["location"].startswith("/auth/login"), where


async def test_sign_in_without_an_identity_provider_says_so(portal: RunningService) -> None:
    response = await portal.client.get("/auth/login", headers={"Accept-Language": "en"})
    assert response.status_code == 503
    assert "Sign-in is not configured" in response.text


async def test_assets_are_compressed_and_cached_but_pages_are_not(portal: RunningService) -> None:
    htmx = await portal.client.get(
        "/static/vendor/htmx.min.js", headers={"Accept-Encoding": "gzip"}
    )
    assert htmx.headers["content-encoding"] == "gzip"
    assert htmx.headers["cache-control"] == "public, max-age=3600"
    # Under 50 KB as it travels (the whole JavaScript of the portal).
    assert int(htmx.headers.get("content-length", len(htmx.content))) < 50_000
    page = await portal.client.get("/", headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in page.headers  # pages carry the CSRF token: no BREACH
    assert page.headers["cache-control"] == "no-store"
