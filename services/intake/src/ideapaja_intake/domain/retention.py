"""Retention: when a closed idea loses its personal data, and what stands in for its people.

An idea is **closed** when nothing more is expected of its authors or reviewers: rejected,
withdrawn, merged into another as a duplicate, implemented, published as a good practice, or a
pilot that ended with ``stop``. Open ideas (submitted, in review, needing information, accepted
and waiting for its experiment or implementation, forwarded to another unit, reopened, in an
experiment) are never due, however old: their people are still needed.

``closed_idea_retention_days`` after it closed, the idea keeps its text, status and the record of
decisions (reviewers acted in office: who decided stays), and loses the links to the people who
wrote, supported and discussed it. Each person still named on the idea (an author, a commenter,
a rewarded person) gets a stand-in id that is new for every idea and computed from the idea and
a running number only: nothing links it to the person or to their other ideas, not even with the
pseudonym secret (an erased person's ``former-`` token, by contrast, is the same everywhere).
Stand-ins start with ``former-`` like those of erased people, so every view treats them alike.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from ideapaja_contracts.events.progress import ExperimentOutcome
from ideapaja_intake.domain.pseudonym import FORMER_PREFIX
from ideapaja_intake.domain.status import IdeaStatus

CLOSED_STATUSES = frozenset(
    {
        IdeaStatus.REJECTED,
        IdeaStatus.WITHDRAWN,
        IdeaStatus.DUPLICATE,
        IdeaStatus.IMPLEMENTED,
        IdeaStatus.GOOD_PRACTICE,
    }
)
# A completed experiment closes the idea only when it ended with this outcome (the history's note).
STOPPED_PILOT = (IdeaStatus.EXPERIMENT_COMPLETED, ExperimentOutcome.STOP.value)


def is_closed(status: str, outcome: str | None = None) -> bool:
    """Whether an idea in ``status`` is closed (``outcome``: the note of the status change, the
    experiment's outcome for a completed experiment)."""
    if status in CLOSED_STATUSES:
        return True
    return (status, outcome) == STOPPED_PILOT


def closed_before(now: datetime, retention_days: int) -> datetime:
    """Ideas closed at or before this moment are due."""
    if retention_days < 1:
        raise ValueError("a retention period is at least one day")
    return now - timedelta(days=retention_days)


def is_due(
    status: str, closed_at: datetime, now: datetime, retention_days: int, outcome: str | None = None
) -> bool:
    return is_closed(status, outcome) and closed_at <= closed_before(now, retention_days)


def stand_in_id(idea_id: str, number: int) -> str:
    """The id that replaces the ``number``-th person (1, 2, …) still named on a closed idea."""
    digest = hashlib.sha256(f"retained::{idea_id}::{number}".encode()).hexdigest()
    return FORMER_PREFIX + digest[:24]
