"""Who is told what about an event: the notices (drafts: recipient, kind, fields, link) an
event turns into. How they read in each language is the messages' (``messages/``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from ideapaja_contracts.events.review import Decision
from ideapaja_contracts.events.reward import RewardKind
from ideapaja_notification.domain.kinds import Language, TemplateId, language_or_default
from ideapaja_notification.domain.values import FieldValue, Label, LabelKind, Reward

DECISION_TEMPLATES: dict[Decision, TemplateId] = {
    Decision.ACCEPTED: TemplateId.IDEA_ACCEPTED,
    Decision.REJECTED: TemplateId.IDEA_REJECTED,
    Decision.NEEDS_INFO: TemplateId.IDEA_NEEDS_INFO,
    Decision.DUPLICATE: TemplateId.IDEA_DUPLICATE,
    Decision.FORWARDED: TemplateId.IDEA_FORWARDED,
}
DASH = "\u2013"


@dataclass(frozen=True)
class Recipient:
    """A person as HR last described them (the contacts projection)."""

    person_id: str
    display_name: str
    email: str
    language: str
    left: bool = False
    # Their HR roles (what their preferences default to); None when HR never said.
    roles: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Draft:
    """One message for one person, before it is written: its kind, the language it is to be
    written in, the values it shows, and the portal page it links to."""

    recipient: Recipient
    template: TemplateId
    language: Language
    fields: Mapping[str, FieldValue]
    link: str | None = None


@dataclass(frozen=True)
class Notice:
    """One message for one person, written in that person's language."""

    person_id: str
    template: TemplateId
    language: Language
    address: str
    subject: str
    body: str
    # The e-mail's HTML part (the same message); the in-app inbox's short text; the portal
    # page the notice links to.
    html: str | None = None
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


def notices_of(
    template: TemplateId,
    recipients: Sequence[Recipient],
    link: str | None,
    **fields: FieldValue,
) -> list[Draft]:
    """``template`` for each of ``recipients``, in their own language, showing ``fields``."""
    return [
        Draft(person, template, language_or_default(person.language), dict(fields), link)
        for person in recipients
    ]


def idea_link(idea_id: str | None) -> str | None:
    """The portal page of an idea (its authors, supporters and reviewers see it there)."""
    return f"/ideas/{idea_id}" if idea_id else None


def text_or_dash(text: str) -> str:
    """A person's text in a message; a blank one shows as a dash."""
    return text.strip() or DASH


def decision_notices(
    *,
    decision: Decision,
    rationale: str,
    idea_title: str,
    recipients: Sequence[Recipient],
    idea_id: str | None = None,
) -> list[Draft]:
    return notices_of(
        DECISION_TEMPLATES[decision],
        recipients,
        idea_link(idea_id),
        title=idea_title,
        rationale=text_or_dash(rationale),
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
) -> Draft:
    """The message telling a person of their reward: the reason translated by its code, the
    English ``reason`` only where the code is missing or unknown."""
    [draft] = notices_of(
        TemplateId.REWARD_GRANTED,
        [recipient],
        idea_link(idea_id),
        reward=Reward(kind, points, amount, currency),
        reason=Label(LabelKind.REWARD_REASON, reason_code or "", fallback=text_or_dash(reason)),
        title=idea_title,
    )
    return draft


# --- How money reads in each language ---------------------------------------------------------

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


EXCERPT_MAX = 500


def excerpt(text: str) -> str:
    """A person's text in a message: stripped, and cut at a word when long."""
    text = text.strip()
    if len(text) <= EXCERPT_MAX:
        return text
    return text[: EXCERPT_MAX - 1].rsplit(" ", 1)[0] + "\u2026"
