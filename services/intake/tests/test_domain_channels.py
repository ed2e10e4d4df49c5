"""Allowed origins, page language, CSV export cells."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ideapaja_intake.domain.cors import normalise_origin, origin_allowed
from ideapaja_intake.domain.export import COLUMNS, ExportRow, csv_lines, safe_cell
from ideapaja_intake.domain.i18n import TEXTS, choose_language
from ideapaja_intake.domain.visibility import exported_author_ids

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


def test_every_language_has_every_text() -> None:
    assert set(TEXTS["fi"]) == set(TEXTS["sv"]) == set(TEXTS["en"])


@pytest.mark.parametrize("value", ['=HYPERLINK("x")', "+1", "-1", "@SUM(A1)", "\tx"])
def test_formulas_are_neutralised(value: str) -> None:
    assert safe_cell(value) == "'" + value


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
    header, line = list(csv_lines([row]))
    assert header.strip().split(",") == list(COLUMNS)
    assert line == (
        "i-1,2026-03-02T00:00:00+00:00,submitted,2026-03-02T00:00:00+00:00,unit,u-kirjasto,,"
        "time money,api,false,false,p-1 p-2,,2,0,1,false,fi,'=cmd\r\n"
    )
