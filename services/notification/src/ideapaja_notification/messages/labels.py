"""How a message's values read in each language (``domain.values``): codes from other services
translated through the catalogs, rewards and points with their words, dates and months as the
city writes them (Europe/Helsinki). Every word here is English in the source, ``N_``-marked."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time, get_month_names
from babel.support import NullTranslations

from ideapaja_contracts.events.reward import RewardKind
from ideapaja_notification.domain.kinds import Language
from ideapaja_notification.domain.notices import format_money
from ideapaja_notification.domain.values import (
    FieldValue,
    Label,
    LabelKind,
    Moment,
    Period,
    Points,
    Reward,
)
from ideapaja_runtime.i18n import N_

CITY_TIME_ZONE = ZoneInfo("Europe/Helsinki")
DATE_FORMATS: Mapping[Language, str] = {"fi": "d.M.y", "sv": "d.M.y", "en": "d MMMM y"}
# Times of day as the city writes them: 14.00 in Finnish and Swedish, 14:00 in English.
TIME_FORMATS: Mapping[Language, str] = {"fi": "H.mm", "sv": "H.mm", "en": "HH:mm"}

# Codes other services send, as a person reads them; ``None``: the kind's generic word.
LABELS: Mapping[LabelKind, Mapping[str | None, str]] = {
    # RewardGranted.reason_code (reward's incentive rules and periodic awards).
    LabelKind.REWARD_REASON: {
        "idea_submitted": N_("Idea submitted"),
        "idea_accepted": N_("Idea accepted"),
        "idea_experiment_started": N_("Idea piloted in an experiment"),
        "idea_experiment_scaled": N_("Idea's experiment to be scaled up"),
        "idea_implemented": N_("Idea implemented"),
        "idea_of_the_month": N_("Idea of the month"),
        "idea_of_the_year": N_("Idea of the year"),
        "idea_practice_adopted": N_("Practice adopted by another unit"),
        "idea_support_received": N_("Idea supported by a colleague"),
        "idea_comment_answered": N_("Comment on the idea answered"),
    },
    # CaseEscalated.step, CaseDeadlineNear.step (review's case states).
    LabelKind.CASE_STEP: {
        "screening": N_("screening"),
        "in_review": N_("review"),
        "experiment": N_("pilot"),
        "implementing": N_("implementation"),
        None: N_("handling"),
    },
    # PeriodicAwardDecided.award.
    LabelKind.PERIODIC_AWARD: {
        "idea_of_the_month": N_("Idea of the month"),
        "idea_of_the_year": N_("Idea of the year"),
        "unit_of_the_year": N_("Unit of the year"),
        None: N_("Recognition"),
    },
    # ReviewDecided.decision, as a supporter is told it ("The idea … has been …").
    LabelKind.DECISION: {
        "accepted": N_("accepted"),
        "rejected": N_("rejected"),
        "duplicate": N_("merged with a similar idea"),
        "forwarded": N_("forwarded to another unit"),
        None: N_("decided"),
    },
    # ExperimentCompleted.outcome: what the pilot showed should be done with the idea.
    LabelKind.EXPERIMENT_OUTCOME: {
        "scale": N_("The idea will be scaled up to more units."),
        "adjust": N_("The idea will be adjusted and tried again."),
        "stop": N_("The idea will not be taken further."),
        None: N_("The next step has been decided."),
    },
}


def localize(value: FieldValue, language: Language, texts: NullTranslations) -> str | None:
    """``value`` as it reads in ``language`` (None stays None: a line left out)."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, datetime):
        return format_date(
            value.astimezone(CITY_TIME_ZONE).date(), DATE_FORMATS[language], language
        )
    if isinstance(value, date):
        return format_date(value, DATE_FORMATS[language], language)
    if isinstance(value, Label):
        return label(value, texts)
    if isinstance(value, Reward):
        return describe_reward(value, language, texts)
    if isinstance(value, Points):
        return points(value.count, texts)
    if isinstance(value, Period):
        return period(value.text, language)
    if isinstance(value, Moment):
        return moment(value.at, language, texts)
    return str(value)


def moment(at: datetime, language: Language, texts: NullTranslations) -> str:
    """``6.5.2025 klo 14.00`` / ``6.5.2025 kl. 14.00`` / ``6 May 2025 at 14:00``, city time."""
    local = at.astimezone(CITY_TIME_ZONE)
    day = format_date(local.date(), DATE_FORMATS[language], language)
    time = format_time(local.time(), TIME_FORMATS[language], locale=language)
    return texts.gettext("%(date)s at %(time)s") % {"date": day, "time": time}


def label(value: Label, texts: NullTranslations) -> str:
    table = LABELS[value.kind]
    known = table.get(value.code)
    if known is not None:
        return texts.gettext(known)
    if value.fallback is not None and value.fallback.strip():
        return value.fallback
    return texts.gettext(table.get(None, value.code))


def points(count: int, texts: NullTranslations) -> str:
    return texts.ngettext("%(num)d point", "%(num)d points", count) % {"num": count}


def describe_reward(reward: Reward, language: Language, texts: NullTranslations) -> str:
    kind, amount = reward.kind, reward.amount
    if kind is RewardKind.POINTS:
        return points(reward.points, texts)
    if kind is RewardKind.MONEY:
        return format_money(amount, reward.currency, language)
    if kind is RewardKind.GIFT:
        if amount > Decimal(0):
            worth = format_money(amount, reward.currency, language)
            return texts.gettext("a gift (worth %(amount)s)") % {"amount": worth}
        return texts.gettext("a gift")
    if kind is RewardKind.DAY_OFF:
        return texts.gettext("an extra day off")
    return texts.gettext("a recognition award")


def period(text: str, language: Language) -> str:
    """``2026-11`` (a month) as ``11/2026``, or ``November 2026`` in English; a year as it is."""
    year, _, month = text.partition("-")
    if not month.isdigit() or not 1 <= int(month) <= 12:
        return text
    if language == "en":
        return f"{get_month_names('wide', locale='en')[int(month)]} {year}"
    return f"{int(month)}/{year}"
