"""Where a person may be sent after signing in or changing language: only this site."""

from __future__ import annotations

import pytest

from ideapaja_portal.settings import PortalSettings
from ideapaja_portal.web.context import safe_next


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("/ideas/i-1", "/ideas/i-1"),
        ("/ideas?q=kirjasto", "/ideas?q=kirjasto"),
        (None, "/"),
        ("", "/"),
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
        ("/" + "a" * 600, "/"),
    ],
)
def test_only_paths_of_this_site_are_followed(value: str | None, expected: str) -> None:
    assert safe_next(value) == expected


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8000", "http://localhost:8000/", "https://ideapaja.kuusijarvi.fi"]
)
def test_public_url_https_or_loopback(url: str) -> None:
    assert PortalSettings(public_url=url).public_url == url.rstrip("/")


@pytest.mark.parametrize("url", ["http://ideapaja.kuusijarvi.fi", "ftp://x", "ideapaja"])
def test_plain_http_elsewhere_is_refused(url: str) -> None:
    with pytest.raises(ValueError, match="public_url"):
        PortalSettings(public_url=url)
