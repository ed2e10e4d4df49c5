"""Languages of the portal: every text through a gettext message catalog (``locale/<lang>/
LC_MESSAGES/messages.po``, English in the source), dates and numbers as the person's locale writes
them, in the city's time zone.

The catalogs are read from their .po files when first used (compiled in memory by the runtime's
``ideapaja_runtime.i18n``), so there is no build step and no compiled file to forget.
``python -m ideapaja_portal.catalogs update`` keeps them in step with the templates and code; a
test fails when a Finnish or Swedish message is missing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, format_decimal
from babel.support import NullTranslations

from ideapaja_runtime.i18n import MessageCatalogs

LANGUAGES = ("fi", "sv", "en")
DEFAULT_LANGUAGE = "fi"
# Each language named in itself, for the language switcher.
LANGUAGE_NAMES = {"fi": "suomi", "sv": "svenska", "en": "English"}
CITY_TIME_ZONE = ZoneInfo("Europe/Helsinki")
LOCALE_DIR = Path(__file__).parent / "locale"


CATALOGS = MessageCatalogs(Path(__file__).parent)
# Parsed once: Babel parses a locale given by name on every number or date it formats, and a
# dashboard formats hundreds.
LOCALES = {language: Locale.parse(language) for language in LANGUAGES}


def translations(language: str) -> NullTranslations:
    """The catalog of ``language`` (English is the source: no catalog)."""
    return CATALOGS.translations(language)


def negotiate(accept_language: str | None) -> str:
    """The first of our languages the browser asks for, else Finnish."""
    for part in (accept_language or "").split(","):
        tag = part.split(";")[0].strip().lower()
        primary = tag.split("-")[0]
        if primary in LANGUAGES:
            return primary
        if primary in ("nb", "nn", "no", "da"):  # Nordic neighbours read Swedish best
            return "sv"
    return DEFAULT_LANGUAGE


def pick(*candidates: str | None) -> str:
    """The first candidate that is one of our languages."""
    for candidate in candidates:
        if candidate in LANGUAGES:
            return candidate
    return DEFAULT_LANGUAGE


@dataclass(frozen=True)
class Texts:
    """One page's language: its translations and formatting, handed to the templates."""

    language: str

    @property
    def locale(self) -> Locale:
        return LOCALES[self.language]

    def gettext(self, message: str, **values: Any) -> str:
        text = translations(self.language).gettext(message)
        return text % values if values else text

    def ngettext(self, singular: str, plural: str, n: int, **values: Any) -> str:
        text = translations(self.language).ngettext(singular, plural, n)
        return text % {"num": n, **values}

    def datetime(self, value: dt.datetime | str | None, format: str = "medium") -> str:
        moment = _parse(value)
        if moment is None:
            return ""
        if not isinstance(moment, dt.datetime):
            return format_date(moment, format=format, locale=self.locale)
        return format_datetime(moment, format=format, tzinfo=CITY_TIME_ZONE, locale=self.locale)

    def date(self, value: dt.datetime | dt.date | str | None, format: str = "medium") -> str:
        moment = _parse(value)
        if moment is None:
            return ""
        if isinstance(moment, dt.datetime):
            moment = moment.astimezone(CITY_TIME_ZONE).date()
        return format_date(moment, format=format, locale=self.locale)

    def number(self, value: float | int | None) -> str:
        return "" if value is None else _number(value, self.language)

    def money(self, value: Decimal | str | float | None, currency: str | None = "EUR") -> str:
        """An amount as the person's locale writes it: ``150,00 €`` (fi, sv), ``€150.00``."""
        if value is None or value == "":
            return ""
        return format_currency(Decimal(str(value)), currency or "EUR", locale=self.locale)

    def amount(self, value: Decimal | str | None) -> str:
        """An amount as the person would type it back into a form: ``150,00`` (fi, sv)."""
        if value is None or value == "":
            return ""
        return format_decimal(Decimal(str(value)), format="0.00", locale=self.locale)

    def localized(self, names: dict[str, str] | None) -> str:
        """A name given in several languages (``{"fi": …, "sv": …, "en": …}``) in ours."""
        if not names:
            return ""
        return names.get(self.language) or names.get("fi") or next(iter(names.values()), "")


@lru_cache(maxsize=4096)
def _number(value: float | int, language: str) -> str:
    """A number as ``language`` writes it, remembered: a dashboard formats hundreds, most of
    them the same few (Babel takes 10 µs for each)."""
    return format_decimal(value, locale=LOCALES[language])


def _parse(value: dt.datetime | dt.date | str | None) -> dt.datetime | dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, (dt.datetime, dt.date)):
        return value
    try:
        if len(value) == 10:
            return dt.date.fromisoformat(value)
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def all_languages() -> Iterable[tuple[str, str]]:
    return LANGUAGE_NAMES.items()


def N_(message: str) -> str:
    """Marks a message for the catalogs without translating it here (``pybabel -k N_``)."""
    return message


# Statuses of ideas (intake) and cases (review), as people read them.
STATUS_LABELS = {
    "draft": N_("Draft"),
    "submitted": N_("Submitted"),
    "screening": N_("Being screened"),
    "in_review": N_("In review"),
    "accepted": N_("Accepted"),
    "rejected": N_("Not taken forward"),
    "needs_info": N_("More information asked"),
    "duplicate": N_("Merged with a similar idea"),
    "forwarded": N_("Forwarded to another unit"),
    "reopened": N_("Reopened"),
    "decided": N_("Decided"),
    "experiment": N_("Being tried out"),
    "experiment_completed": N_("Trial completed"),
    "piloted": N_("Trial completed"),
    "stopped": N_("Stopped"),
    "implementing": N_("Being implemented"),
    "implemented": N_("Implemented"),
    "good_practice": N_("Good practice"),
    "withdrawn": N_("Withdrawn"),
}
# What a step of a case's history did (review's history action codes).
ACTION_LABELS = {
    "opened": N_("Case opened"),
    "routed": N_("Reviewers assigned"),
    "rerouted": N_("Reviewers changed"),
    "escalated": N_("Overdue: escalated"),
    "merged_in": N_("A similar idea merged into this one"),
    "idea_updated": N_("The authors updated the idea"),
    "idea_withdrawn": N_("The authors withdrew the idea"),
    "withdraw": N_("The authors withdrew the idea"),
    "accept_for_review": N_("Taken into review"),
    "decide": N_("Decision"),
    "resume_screening": N_("The authors answered"),
    "appeal": N_("Reopened"),
    "start_experiment": N_("Trial started"),
    "complete_experiment": N_("Trial completed"),
    "start_implementation": N_("Implementation started"),
    "record_progress": N_("Progress recorded"),
    "complete_implementation": N_("Implemented"),
    "publish_practice": N_("Published as a good practice"),
    "record_adoption": N_("Adopted by another unit"),
    "agenda_added": N_("On the committee's agenda"),
    "deferred": N_("Deferred to a later meeting"),
    "scored": N_("Evaluated"),
    "conflict_recorded": N_("Conflict of interest recorded"),
    "person.erased": N_("Personal data erased"),
    "idea.retention_expired": N_("Authors' data removed after the retention period"),
}
# The reward service's points rules, as people read them.
RULE_LABELS = {
    "submitted": N_("Idea submitted"),
    "accepted": N_("Idea accepted"),
    "experiment_started": N_("Idea piloted in an experiment"),
    "experiment_scaled": N_("Idea's experiment to be scaled up"),
    "implemented": N_("Idea implemented"),
    # Periodic awards' ledger entries (their rule is the award).
    "idea_of_the_month": N_("Idea of the month"),
    "idea_of_the_year": N_("Idea of the year"),
    "practice_adopted": N_("Practice adopted by another unit"),
    "support_received": N_("Idea supported by a colleague"),
    "comment_answered": N_("Comment on the idea answered"),
    "correction": N_("Points corrected"),
}
# An experiment's outcome, short (lists) and as a choice (the results form).
OUTCOME_LABELS = {
    "scale": N_("Scale up"),
    "adjust": N_("Adjust and try again"),
    "stop": N_("Stop"),
}
OUTCOME_CHOICES = {
    "scale": N_("Scale up: implement it more widely"),
    "adjust": N_("Adjust: change it and pilot again"),
    "stop": N_("Stop: the idea goes no further; the lesson is published"),
}
# A committee agenda item's status, and members' roles in a committee.
ITEM_LABELS = {
    "pending": N_("Waiting for a decision"),
    "decided": N_("Decided"),
    "deferred": N_("Deferred"),
}
MEMBER_ROLE_LABELS = {
    "chair": N_("Chair"),
    "secretary": N_("Secretary"),
    "member": N_("Member"),
}
# Committee and supervisor awards (the reward service's kinds, statuses and approver roles).
AWARD_KIND_LABELS = {
    "money": N_("Money"),
    "gift": N_("Gift card"),
    "day_off": N_("Extra days off"),
    "recognition": N_("Recognition"),
    "points": N_("Points"),
}
AWARD_STATUS_LABELS = {
    "pending": N_("Waiting for approval"),
    "approved": N_("Approved and granted"),
    "rejected": N_("Rejected"),
}
ROLE_LABELS = {
    "employee": N_("Employee"),
    "change_agent": N_("Change agent"),
    "supervisor": N_("Supervisor"),
    "committee_member": N_("Development committee member"),
    "reward_approver": N_("Reward approver"),
    "hr": N_("HR"),
    "management": N_("Management group"),
    "admin": N_("Administrator"),
}
