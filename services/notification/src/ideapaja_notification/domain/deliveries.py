"""Deliveries: one message to one person about one event, and what happens when sending fails."""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from enum import IntEnum, StrEnum
from typing import TypeVar

from ideapaja_notification.domain.kinds import PROMPT_KINDS

T = TypeVar("T")

# Fixed, so the same (event, person, template) always gets the same delivery id: the id is also
# the mail's Message-ID, which lets an MTA drop a re-send after a crash.
_DELIVERY_NAMESPACE = uuid.UUID("8a4c1d4e-2f0b-5d7a-9a51-6f3e0c1b7d21")


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class Priority(IntEnum):
    """Which due mail a sender takes first (lower first; oldest first within one): when a flood
    of mail is queued (a weekly digest to the whole city, a burst of ideas), a decision does not
    wait behind it."""

    PROMPT = 0  # PROMPT_KINDS: a decision on one's idea, a request to act soon
    NOTICE = 1  # every other notice
    BULK = 2  # digests


def priority_of(template: str, *, digest: bool = False) -> Priority:
    if digest:
        return Priority.BULK
    return Priority.PROMPT if template in _PROMPT_TEMPLATES else Priority.NOTICE


_PROMPT_TEMPLATES = frozenset(kind.value for kind in PROMPT_KINDS)


def delivery_id(cause_event_id: str, person_id: str, template: str) -> str:
    return str(uuid.uuid5(_DELIVERY_NAMESPACE, f"{cause_event_id}\n{person_id}\n{template}"))


def can_requeue(status: DeliveryStatus) -> bool:
    """Only a delivery that gave up may be queued again; a sent one would be sent twice."""
    return status is DeliveryStatus.FAILED


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int
    base_seconds: float
    max_seconds: float

    def delay_after(self, attempts_made: int, *, permanent: bool) -> float | None:
        """Seconds to wait before the next attempt, or None to record the delivery as failed.

        A permanent error (e.g. the server refused the address) is not retried: the answer would
        be the same.
        """
        if permanent or attempts_made >= self.max_attempts:
            return None
        exponent = max(attempts_made - 1, 0)
        # Capped before exponentiation so a large attempt count cannot overflow.
        return min(self.max_seconds, self.base_seconds * (1 << min(exponent, 32)))


_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def cause_key(event_id: str) -> str:
    """The cause event's id as stored and as carried in our events (an opaque Id there).

    CloudEvents ids are free-form; one that is not a valid Id (too long, dots…) is replaced by
    a stable digest, so the same event still maps to the same key.
    """
    if _ID.match(event_id):
        return event_id
    return "h-" + hashlib.sha256(event_id.encode()).hexdigest()[:40]


def lanes(claimed: Sequence[T], count: int) -> list[list[T]]:
    """The claimed rows (in claim order: most urgent, then oldest) dealt into at most ``count``
    lanes sent side by side, each on its own conversation: lane i takes rows i, i + count, …, so
    the first ``count`` rows go out first and every lane keeps the claim order."""
    return [list(claimed[lane::count]) for lane in range(min(count, len(claimed)))]
