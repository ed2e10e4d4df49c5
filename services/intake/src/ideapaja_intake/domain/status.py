"""The status of an idea, projected from the review events whatever order they arrive in.

Every status change is kept (the history is never rewritten); the current status is a function
of the whole history, not of arrival order, so a late or redelivered event cannot move an idea
backwards:
- a decision beats a screening of the same review case, whatever the clocks say, because a case
  is always screened before it is decided;
- otherwise the most recent change wins (a forwarded idea may be screened again in a new case,
  and a ``needs_info`` may be followed by a final decision);
- ``submitted`` holds only until review has said anything.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from ideapaja_contracts.events.review import Decision


class IdeaStatus(StrEnum):
    SUBMITTED = "submitted"
    SCREENING = "screening"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    NEEDS_INFO = "needs_info"
    DUPLICATE = "duplicate"
    FORWARDED = "forwarded"


DECISION_STATUSES = frozenset(IdeaStatus(d.value) for d in Decision)


def status_of_decision(decision: Decision) -> IdeaStatus:
    return IdeaStatus(decision.value)


@dataclass(frozen=True)
class StatusChange:
    event_id: str
    status: IdeaStatus
    occurred_at: datetime
    case_id: str | None = None

    @property
    def is_decision(self) -> bool:
        return self.status in DECISION_STATUSES


def _supersedes(decision: StatusChange, screening: StatusChange) -> bool:
    same_case = decision.case_id is not None and decision.case_id == screening.case_id
    return same_case or decision.occurred_at >= screening.occurred_at


def current_status(changes: Iterable[StatusChange]) -> StatusChange | None:
    """The change that sets the idea's status now (None for an empty history)."""
    history = list(changes)
    decisions = [c for c in history if c.is_decision]
    screenings = [
        c
        for c in history
        if c.status is IdeaStatus.SCREENING and not any(_supersedes(d, c) for d in decisions)
    ]
    review = decisions + screenings
    if review:
        # Ties on time are broken by kind, then by event id, so the result never depends on
        # which of two simultaneous events happened to arrive last.
        return max(review, key=lambda c: (c.occurred_at, c.is_decision, c.event_id))
    submitted = [c for c in history if c.status is IdeaStatus.SUBMITTED]
    return min(submitted, key=lambda c: (c.occurred_at, c.event_id)) if submitted else None
