"""Who is told what about an event: the notices a decision or a reward turns into."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from ideapaja_contracts.events.review import Decision
from ideapaja_contracts.events.reward import RewardKind
from ideapaja_notification.domain.templates import (
    IDEA_LINE,
    REWARD_REASONS,
    Language,
    RenderedMessage,
    TemplateId,
    language_or_default,
    render,
)

DECISION_TEMPLATES: dict[Decision, TemplateId] = {
    Decision.ACCEPTED: TemplateId.IDEA_ACCEPTED,
    Decision.REJECTED: TemplateId.IDEA_REJECTED,
    Decision.NEEDS_INFO: TemplateId.IDEA_NEEDS_INFO,
    Decision.DUPLICATE: TemplateId.IDEA_DUPLICATE,
    Decision.FORWARDED: TemplateId.IDEA_FORWARDED,
}


@dataclass(frozen=True)
class Recipient:
    """A person as HR last described them (the contacts projection)."""

    person_id: str
    display_name: str
    email: str
    language: str
    left: bool = False


@dataclass(frozen=True)
class Notice:
    """One message for one person, rendered in that person's language."""

    person_id: str
    template: TemplateId
    language: Language
    address: str
    subject: str
    body: str
    # The in-app inbox's short text, and the portal page the notice links to.
    summary: str = ""
    link: str | None = None


class UnknownRecipients(Exception):
    """Some recipients are not in the contacts projection yet (HR has not told us about them)."""

    def __init__(self, person_ids: Sequence[str]) -> None:
        self.person_ids = list(person_ids)
        super().__init__(f"contact details not known yet for {', '.join(self.person_ids)}")


def reachable(person_ids: Sequence[str], contacts: dict[str, Recipient]) -> list[Recipient]:
    """The recipients to write to, each once, in the given order.

    Raises ``UnknownRecipients`` when any of them is unknown: a decision is told to every author
    or (for now) to none, so a retry cannot leave a co-author out. People who have left the
    city's service are skipped: their work address no longer reaches them.
    """
    unique_ids = list(dict.fromkeys(person_ids))
    missing = [pid for pid in unique_ids if pid not in contacts]
    if missing:
        raise UnknownRecipients(missing)
    return [contacts[pid] for pid in unique_ids if not contacts[pid].left]


def decision_notices(
    *,
    decision: Decision,
    rationale: str,
    idea_title: str,
    recipients: Sequence[Recipient],
    idea_id: str | None = None,
) -> list[Notice]:
    return notices_of(
        DECISION_TEMPLATES[decision],
        recipients,
        idea_link(idea_id),
        title=idea_title,
        rationale=rationale.strip() or "\u2013",
    )


# A field of a message: the same text in every language, or one per language.
Field = str | Mapping[Language, str]


def notices_of(
    template: TemplateId, recipients: Sequence[Recipient], link: str | None, **fields: Field
) -> list[Notice]:
    """``template`` for each of ``recipients`` in their own language (a field given per language
    in theirs), addressed by their name, linking to ``link``."""
    notices = []
    for person in recipients:
        language = language_or_default(person.language)
        values = {
            key: value if isinstance(value, str) else value[language]
            for key, value in fields.items()
        }
        message = render(template, language, name=person.display_name, **values)
        notices.append(notice_of(person, template, language, message, link))
    return notices


def idea_link(idea_id: str | None) -> str | None:
    """The portal page of an idea (its authors, supporters and reviewers see it there)."""
    return f"/ideas/{idea_id}" if idea_id else None


def notice_of(
    person: Recipient,
    template: TemplateId,
    language: Language,
    message: RenderedMessage,
    link: str | None,
) -> Notice:
    return Notice(
        person_id=person.person_id,
        template=template,
        language=language,
        address=person.email,
        subject=message.subject,
        body=message.body,
        summary=message.summary,
        link=link,
    )


def reward_notice(
    *,
    recipient: Recipient,
    kind: RewardKind,
    points: int,
    amount: Decimal,
    currency: str | None,
    reason: str,
    idea_title: str | None,
    reason_code: str | None = None,
    idea_id: str | None = None,
) -> Notice:
    """The e-mail telling a person of their reward, in their language: the reason translated by
    its code, the English ``reason`` only where the code is missing or unknown."""
    language = language_or_default(recipient.language)
    reason = REWARD_REASONS.get(reason_code or "", {}).get(language, reason)
    idea_line = IDEA_LINE[language].format(title=idea_title) if idea_title else ""
    message = render(
        TemplateId.REWARD_GRANTED,
        language,
        name=recipient.display_name,
        reward=describe_reward(kind, points, amount, currency, language),
        reason=reason.strip() or "\u2013",
        idea_line=idea_line,
    )
    return notice_of(recipient, TemplateId.REWARD_GRANTED, language, message, idea_link(idea_id))


# --- How a reward reads in each language -------------------------------------------------------

_NBSP = "\u00a0"
_CURRENCY_SYMBOLS = {"EUR": "€"}


def format_money(amount: Decimal, currency: str | None, language: Language) -> str:
    """``1 500 €`` / ``12,50 €`` in Finnish and Swedish, ``€1,500`` / ``€12.50`` in English."""
    code = (currency or "EUR").upper()
    cents = amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    whole = cents == cents.to_integral_value()
    number = f"{cents:,.0f}" if whole else f"{cents:,.2f}"
    symbol = _CURRENCY_SYMBOLS.get(code)
    if language == "en":
        return f"{symbol}{number}" if symbol else f"{number} {code}"
    number = number.replace(",", _NBSP).replace(".", ",")
    return f"{number}{_NBSP}{symbol or code}"


def format_points(points: int, language: Language) -> str:
    if language == "fi":
        return f"{points} piste" if points == 1 else f"{points} pistettä"
    if language == "sv":
        return f"{points} poäng"
    return f"{points} point" if points == 1 else f"{points} points"


_GIFT = {"fi": ("lahja", "arvo"), "sv": ("en gåva", "värde"), "en": ("a gift", "worth")}
_RECOGNITION = {"fi": "tunnustus", "sv": "ett erkännande", "en": "a recognition award"}
_DAY_OFF = {"fi": "ylimääräinen vapaapäivä", "sv": "en extra ledig dag", "en": "an extra day off"}


def describe_reward(
    kind: RewardKind, points: int, amount: Decimal, currency: str | None, language: Language
) -> str:
    if kind is RewardKind.POINTS:
        return format_points(points, language)
    if kind is RewardKind.MONEY:
        return format_money(amount, currency, language)
    if kind is RewardKind.GIFT:
        gift, worth = _GIFT[language]
        if amount > 0:
            return f"{gift} ({worth} {format_money(amount, currency, language)})"
        return gift
    if kind is RewardKind.DAY_OFF:
        return _DAY_OFF[language]
    return _RECOGNITION[language]
