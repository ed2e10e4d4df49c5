"""What people read from review, in their language: the minutes' texts through the message
catalogs (``locale/<lang>/LC_MESSAGES/messages.po``; ``python -m ideapaja_review.catalogs
update|check``), numbers and times through Babel (times in the city's time zone)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from functools import partial
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from babel.numbers import format_decimal

from ideapaja_review.domain.minutes import Localiser
from ideapaja_runtime.i18n import MessageCatalogs

CATALOGS = MessageCatalogs(Path(__file__).parent, project="Ideapaja review")
CITY_TIME_ZONE = ZoneInfo("Europe/Helsinki")
# British English for English: day before month, 24-hour clock, decimal point.
BABEL_LOCALES = {"fi": "fi_FI", "sv": "sv_FI", "en": "en_GB"}


def _number(language: str, value: float) -> str:
    return format_decimal(value, format="0.00", locale=BABEL_LOCALES[language])


def _moment(language: str, value: datetime) -> str:
    locale = BABEL_LOCALES[language]
    local = format_datetime(value, "short", tzinfo=CITY_TIME_ZONE, locale=locale)
    zone = format_datetime(value, "zzzz", tzinfo=CITY_TIME_ZONE, locale=locale)
    return f"{local} ({zone})"


def localiser(language: str, names: Mapping[str, str]) -> Localiser:
    """The minutes in ``language`` (fi, sv or en), naming people by ``names``."""
    return Localiser(
        language=language,
        gettext=partial(CATALOGS.gettext, language),
        number=partial(_number, language),
        moment=partial(_moment, language),
        names=names,
    )
