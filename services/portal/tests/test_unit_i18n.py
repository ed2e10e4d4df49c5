"""Languages: what the browser asks for, the catalogs' completeness, and local formats."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ideapaja_portal import catalogs
from ideapaja_portal.i18n import Texts, negotiate, pick


@pytest.mark.parametrize(
    ("header", "language"),
    [
        (None, "fi"),
        ("", "fi"),
        ("sv-FI,sv;q=0.9,en;q=0.5", "sv"),
        ("en-GB,en;q=0.9", "en"),
        ("de-DE,de;q=0.9", "fi"),
        ("nb-NO", "sv"),
        ("fi", "fi"),
    ],
)
def test_the_browser_language_is_used_when_ours(header: str | None, language: str) -> None:
    assert negotiate(header) == language


def test_pick_takes_the_first_known_language() -> None:
    assert pick(None, "de", "sv", "en") == "sv"
    assert pick(None) == "fi"


@pytest.mark.parametrize("language", catalogs.TRANSLATED)
def test_every_message_of_the_code_and_templates_is_translated(language: str) -> None:
    missing = catalogs.untranslated(language)
    assert not missing, (
        f"{len(missing)} messages have no {language} translation (run "
        f"`python -m ideapaja_portal.catalogs update` and translate them):\n" + "\n".join(missing)
    )


def test_the_catalogs_are_used_and_formatting_is_local() -> None:
    moment = datetime(2026, 12, 3, 10, 30, tzinfo=UTC)  # 12.30 in Helsinki
    fi, sv, en = Texts("fi"), Texts("sv"), Texts("en")
    assert fi.gettext("Sign in") == "Kirjaudu sisään"
    assert sv.gettext("Sign in") == "Logga in"
    assert en.gettext("Sign in") == "Sign in"
    assert fi.gettext("Hello, %(name)s", name="Aino") == "Hei, Aino"
    assert fi.ngettext("%(num)s idea", "%(num)s ideas", 2) == "2 ideaa"
    assert "12.30" in fi.datetime(moment, "short")
    assert fi.date("2026-12-03") == "3.12.2026"
    assert sv.number(1234567) == "1\xa0234\xa0567"
    assert en.datetime(moment.isoformat(), "short").endswith("12:30\u202fPM")
    assert fi.localized({"fi": "Kirjasto", "sv": "Bibliotek"}) == "Kirjasto"
    assert Texts("en").localized({"fi": "Kirjasto", "sv": "Bibliotek"}) == "Kirjasto"


@pytest.mark.parametrize(
    ("language", "money", "typed"),
    [("fi", "1\u00a0234,50\u00a0€", "1234,50"), ("sv", "1\u00a0234,50\u00a0€", "1234,50"),
     ("en", "€1,234.50", "1234.50")],
)  # fmt: skip
def test_euros_as_each_language_writes_and_types_them(
    language: str, money: str, typed: str
) -> None:
    texts = Texts(language)
    assert texts.money("1234.5") == money
    assert texts.amount("1234.50") == typed
    assert texts.money(None) == texts.amount("") == ""
