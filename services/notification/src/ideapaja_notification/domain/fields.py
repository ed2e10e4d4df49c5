"""Fields of a message that read differently in each language: dates, the case's step, the
award's name, optional lines. Each is a ``Mapping[Language, str]`` (see ``notices.Field``)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from zoneinfo import ZoneInfo

from ideapaja_notification.domain.kinds import LANGUAGES, Language
from ideapaja_notification.domain.texts_more import (
    CASE_STEP_UNKNOWN,
    CASE_STEPS,
    MONTHS_EN,
    PERIODIC_AWARD_UNKNOWN,
    PERIODIC_AWARDS,
)

Localized = Mapping[Language, str]
CITY_TIME_ZONE = ZoneInfo("Europe/Helsinki")


def same(text: str) -> Localized:
    return dict.fromkeys(LANGUAGES, text)


def line(lines: Localized, **values: str | Localized) -> Localized:
    """One of the ``*_LINE`` texts filled in, in every language (a value given per language,
    in each)."""
    return {
        language: lines[language].format_map(
            {
                key: value if isinstance(value, str) else value[language]
                for key, value in values.items()
            }
        )
        for language in LANGUAGES
    }


def line_if(present: object, lines: Localized, **values: str | Localized) -> Localized:
    """The line if ``present`` is truthy, else nothing (in every language)."""
    return line(lines, **values) if present else same("")


def format_date(day: date, language: Language) -> str:
    """``1.3.2026`` in Finnish and Swedish (as written in Finland), ``1 March 2026`` in English."""
    if language == "en":
        return f"{day.day} {MONTHS_EN[day.month - 1]} {day.year}"
    return f"{day.day}.{day.month}.{day.year}"


def dates(day: date | datetime) -> Localized:
    """A day (a moment: its day in the city's time) in every language."""
    if isinstance(day, datetime):
        day = day.astimezone(CITY_TIME_ZONE).date()
    return {language: format_date(day, language) for language in LANGUAGES}


def case_step(step: str) -> Localized:
    """Review's step code (``screening``, ``in_review``, …), as a person reads it."""
    return CASE_STEPS.get(step, CASE_STEP_UNKNOWN)


def award_name(award: str) -> Localized:
    return PERIODIC_AWARDS.get(award, PERIODIC_AWARD_UNKNOWN)


def period(text: str) -> Localized:
    """``2026-11`` (a month) as ``11/2026`` or ``November 2026``; a year as it is."""
    year, _, month = text.partition("-")
    if not month.isdigit() or not 1 <= int(month) <= 12:
        return same(text)
    number = int(month)
    return {
        "fi": f"{number}/{year}",
        "sv": f"{number}/{year}",
        "en": f"{MONTHS_EN[number - 1]} {year}",
    }
