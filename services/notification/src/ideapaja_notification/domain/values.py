"""Values a message shows that read differently in each language: codes other services send
(a reward's reason, a case's step, a periodic award), a reward, points, a month. The domain
names them; the message catalogs (``ideapaja_notification.messages``) say them in the reader's
language, so no English code or word ends up inside a Finnish message.

A field of a message is one of these, a date or moment (written as the city writes it), a
number, a plain text shown as it is, or None (a line the message leaves out)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from ideapaja_contracts.events.reward import RewardKind


class LabelKind(StrEnum):
    REWARD_REASON = "reward_reason"
    CASE_STEP = "case_step"
    PERIODIC_AWARD = "periodic_award"
    DECISION = "decision"
    EXPERIMENT_OUTCOME = "experiment_outcome"


@dataclass(frozen=True)
class Label:
    """A code from another service, translated here; ``fallback`` (text as the event gave it)
    for a code not known here, else the kind's generic word."""

    kind: LabelKind
    code: str
    fallback: str | None = None


@dataclass(frozen=True)
class Reward:
    kind: RewardKind
    points: int = 0
    amount: Decimal = Decimal(0)
    currency: str | None = None


@dataclass(frozen=True)
class Points:
    count: int


@dataclass(frozen=True)
class Period:
    """A month (``2026-11``) or a year (``2026``)."""

    text: str


@dataclass(frozen=True)
class Moment:
    """A time of day that matters (a meeting's), shown with its date; a plain ``datetime``
    shows only the date (a deadline)."""

    at: datetime


FieldValue = str | int | date | datetime | Label | Reward | Points | Period | Moment | None
