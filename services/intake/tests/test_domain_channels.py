"""Allowed origins, page language, CSV export cells."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ideapaja_intake.domain.cors import form_post_allowed, normalise_origin, origin_allowed
from ideapaja_intake.domain.export import COLUMNS, ExportRow, cells
from ideapaja_intake.domain.i18n import choose_language
from ideapaja_intake.domain.visibility import exported_author_ids
from ideapaja_intake.texts import CATALOGS, field_message
from ideapaja_runtime.csv_export import csv_lines
from ideapaja_runtime.i18n import TRANSLATED, MessageCatalogs

INTRANET = ["https://intranet.kuusijarvi.fi", "http://localhost:8080"]


@pytest.mark.parametrize(
    ("origin", "allowed"),
    [
        (None, True),  # not a browser's cross-site request
        ("https://intranet.kuusijarvi.fi", True),
        ("https://INTRANET.kuusijarvi.fi:443", True),
        ("http://localhost:8080", True),
        ("https://ideat.kuusijarvi.fi", True),  # the service's own origin
        ("https://evil.example", False),
        ("http://intranet.kuusijarvi.fi", False),  # other scheme
        ("https://intranet.kuusijarvi.fi.evil.example", False),
        ("null", False),  # sandboxed frames and file:// pages
        ("https://intranet.kuusijarvi.fi/path", False),
    ],
)
def test_origins(origin: str | None, allowed: bool) -> None:
    assert origin_allowed(origin, INTRANET, own="https://ideat.kuusijarvi.fi") is allowed


@pytest.mark.parametrize(
    ("origin", "fetch_site", "form_token", "allowed"),
    [
        # The embeddable page posting to itself under Referrer-Policy: no-referrer (Chromium).
        ("null", "same-origin", False, True),
        ("null", "same-origin", True, True),
        # A hardened intranet page (no-referrer) posting a plain form with its form token.
        ("null", "cross-site", True, True),
        ("null", None, True, True),
        # An opaque origin with a bearer token (a sandboxed script): nothing vouches for it.
        ("null", "cross-site", False, False),
        ("null", None, False, False),
        # A named origin is judged by the list, whatever else the request says.
        ("https://evil.example", "same-origin", True, False),
        ("https://intranet.kuusijarvi.fi", "cross-site", False, True),
        (None, None, False, True),
    ],
)
def test_form_posts(
    origin: str | None, fetch_site: str | None, form_token: bool, allowed: bool
) -> None:
    verdict = form_post_allowed(
        origin, INTRANET, own="https://ideat.kuusijarvi.fi", fetch_site=fetch_site,
        form_token=form_token,
    )  # fmt: skip
    assert verdict is allowed


@given(st.text(max_size=60))
def test_garbage_origins_are_refused_or_normalised(origin: str) -> None:
    normal = normalise_origin(origin)
    assert normal is None or normal.startswith(("http://", "https://"))
    if normal is None:
        assert not origin_allowed(origin, INTRANET, own=None)


@pytest.mark.parametrize(
    ("requested", "accept", "chosen"),
    [
        ("sv", "en", "sv"),
        (None, "sv-FI,sv;q=0.9,fi;q=0.8", "sv"),
        (None, "de-DE,en;q=0.5,fi;q=0.7", "fi"),
        (None, "en-GB", "en"),
        (None, "de", "fi"),
        (None, None, "fi"),
        ("xx", "sv", "sv"),
        (None, "sv;q=0,en;q=0.1", "en"),
        (None, "sv;q=abc,en", "en"),
    ],
)
def test_page_language(requested: str | None, accept: str | None, chosen: str) -> None:
    assert choose_language(requested, accept) == chosen


@given(st.text(max_size=80))
def test_any_accept_language_gives_a_supported_language(accept: str) -> None:
    assert choose_language(None, accept) in ("fi", "sv", "en")


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_message_people_read_is_in_the_catalog(language: str) -> None:
    """Fails when a message of the form pages (or a problem detail marked for translation) has
    no Finnish or Swedish translation: run `python -m ideapaja_intake.catalogs update` and
    translate what it adds."""
    assert CATALOGS.untranslated(language) == []
    assert len(CATALOGS.source_messages()) > 40


def test_a_missing_translation_is_caught(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "m.py").write_text('N_("Translated")\nN_("Forgotten")\n')
    po = package / "locale" / "fi" / "LC_MESSAGES" / "messages.po"
    po.parent.mkdir(parents=True)
    po.write_text('msgid ""\nmsgstr ""\n\nmsgid "Translated"\nmsgstr "Käännetty"\n')
    assert MessageCatalogs(package).untranslated("fi") == ["Forgotten"]


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("fi", "Kirjoita vähintään 3 merkkiä."),
        ("sv", "Skriv minst 3 tecken."),
        ("en", "Write at least 3 characters."),
    ],
)
def test_pydantic_errors_become_our_messages(language: str, expected: str) -> None:
    """Not "String should have at least 3 characters" on a Finnish page."""
    assert field_message(language, "string_too_short", "whatever", min_length=3) == expected
    assert field_message(language, "missing") != field_message("en", "missing") or (
        language == "en"
    )


def test_export_names_no_authors_of_anonymous_ideas() -> None:
    assert exported_author_ids(anonymous=True, author_ids=["p-1"]) == []
    assert exported_author_ids(anonymous=False, author_ids=["p-1", "p-2"]) == ["p-1", "p-2"]
    row = ExportRow(
        id="i-1", submitted_at=datetime(2026, 3, 2, tzinfo=UTC), status="submitted",
        status_changed_at=datetime(2026, 3, 2, tzinfo=UTC), scope="unit", unit_id="u-kirjasto",
        category=None, benefit_kinds=["time", "money"], channel="api", external=False,
        anonymous=False, author_ids=["p-1", "p-2"], team_unit_id=None, supports=2, comments=0,
        revision=1, rewarded=False, language="fi", title="=cmd",
    )  # fmt: skip
    header, line = list(csv_lines(COLUMNS, [cells(row)]))
    assert header.strip().split(",") == list(COLUMNS)
    assert line == (
        "i-1,2026-03-02T00:00:00+00:00,submitted,2026-03-02T00:00:00+00:00,unit,u-kirjasto,,"
        "time money,api,false,false,p-1 p-2,,2,0,1,false,fi,'=cmd\r\n"
    )
