"""The status of an idea, projected from intake's own actions and from the review, reward and
progress events, whatever order they arrive in.

Every status change is kept (the history is never rewritten); the current status is a function
of the whole history, not of arrival order, so a late or redelivered event cannot move an idea
backwards:
- a withdrawal is final: nothing review says afterwards (or said concurrently) revives the idea;
- a final decision (accepted, rejected, duplicate, forwarded) beats a screening or review start
  of the same review case, whatever the clocks say, because a case is always screened before it
  is decided; ``needs_info`` is not final (the authors answer and screening resumes);
- otherwise the most recent change wins (a forwarded idea may be screened again in a new case,
  a reopened case is decided again, an accepted idea goes on to its experiment and
  implementation);
- ``draft`` and ``submitted`` hold only until anything else has happened.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from ideapaja_contracts.events.review import Decision


class IdeaStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    SCREENING = "screening"
    IN_REVIEW = "in_review"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    NEEDS_INFO = "needs_info"
    DUPLICATE = "duplicate"
    FORWARDED = "forwarded"
    REOPENED = "reopened"
    EXPERIMENT = "experiment"
    EXPERIMENT_COMPLETED = "experiment_completed"
    IMPLEMENTED = "implemented"
    GOOD_PRACTICE = "good_practice"
    WITHDRAWN = "withdrawn"


DECISION_STATUSES = frozenset(IdeaStatus(d.value) for d in Decision)
FINAL_DECISION_STATUSES = DECISION_STATUSES - {IdeaStatus.NEEDS_INFO}
# Before a decision in a case: a decision of the same case always supersedes these.
PRE_DECISION_STATUSES = frozenset({IdeaStatus.SCREENING, IdeaStatus.IN_REVIEW})
BASE_STATUSES = frozenset({IdeaStatus.DRAFT, IdeaStatus.SUBMITTED})

# What the authors may still do.
EDITABLE_STATUSES = frozenset({IdeaStatus.SUBMITTED, IdeaStatus.NEEDS_INFO})
WITHDRAWABLE_STATUSES = frozenset(
    {
        IdeaStatus.SUBMITTED,
        IdeaStatus.SCREENING,
        IdeaStatus.IN_REVIEW,
        IdeaStatus.NEEDS_INFO,
        IdeaStatus.REOPENED,
    }
)
# Ideas colleagues see, support and comment on: everything submitted and not withdrawn.
HIDDEN_STATUSES = frozenset({IdeaStatus.DRAFT, IdeaStatus.WITHDRAWN})  # the rest
PUBLIC_STATUSES = frozenset(IdeaStatus) - HIDDEN_STATUSES


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
        """A final decision of a review case (``needs_info`` asks and waits; it is not final)."""
        return self.status in FINAL_DECISION_STATUSES


def _supersedes(decision: StatusChange, earlier: StatusChange) -> bool:
    same_case = decision.case_id is not None and decision.case_id == earlier.case_id
    return same_case or decision.occurred_at >= earlier.occurred_at


def current_status(changes: Iterable[StatusChange]) -> StatusChange | None:
    """The change that sets the idea's status now (None for an empty history)."""
    history = list(changes)
    withdrawn = [c for c in history if c.status is IdeaStatus.WITHDRAWN]
    if withdrawn:
        return min(withdrawn, key=lambda c: (c.occurred_at, c.event_id))
    decisions = [c for c in history if c.is_decision]
    review = [
        c
        for c in history
        if c.status not in BASE_STATUSES
        and not (c.status in PRE_DECISION_STATUSES and any(_supersedes(d, c) for d in decisions))
    ]
    if review:
        # Ties on time are broken by kind (a pre-decision status loses), then by event id, so the
        # result never depends on which of two simultaneous events happened to arrive last.
        return max(
            review,
            key=lambda c: (c.occurred_at, c.status not in PRE_DECISION_STATUSES, c.event_id),
        )
    for base in (IdeaStatus.SUBMITTED, IdeaStatus.DRAFT):
        found = [c for c in history if c.status is base]
        if found:
            return min(found, key=lambda c: (c.occurred_at, c.event_id))
    return None
