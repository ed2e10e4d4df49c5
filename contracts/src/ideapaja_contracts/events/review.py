"""Routing, screening and decisions on ideas (owned by review)."""

from __future__ import annotations

from enum import StrEnum

from ideapaja_contracts.base import Event, Id, LongText, ShortText
from ideapaja_contracts.events.idea import Scope


class Decision(StrEnum):
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    NEEDS_INFO = "needs_info"
    DUPLICATE = "duplicate"
    FORWARDED = "forwarded"


class ReviewEvent(Event):
    case_id: Id
    idea_id: Id

    def aggregate_id(self) -> str:
        return self.idea_id


class ScreeningStarted(ReviewEvent, aggregate="review", name="screening_started"):
    """A case was opened for a submitted idea and routed to its reviewers."""

    scope: Scope
    unit_id: Id
    reviewer_ids: list[Id]


class InfoRequested(ReviewEvent, aggregate="review", name="info_requested"):
    requested_by: Id
    question: LongText


class ReviewDecided(ReviewEvent, aggregate="review", name="decided"):
    """A decision with its rationale, shown to the author."""

    decision: Decision
    rationale: LongText
    decided_by: Id
    scope: Scope
    unit_id: Id
    # Set for ``duplicate`` (the surviving idea) and ``forwarded`` (the receiving unit).
    duplicate_of: Id | None = None
    forwarded_to_unit_id: Id | None = None


class IdeaMerged(ReviewEvent, aggregate="review", name="merged"):
    """``idea_id`` was merged into ``into_idea_id``; supporters and history move with it."""

    into_idea_id: Id
    merged_by: Id


class IdeaForwarded(ReviewEvent, aggregate="review", name="forwarded"):
    from_unit_id: Id
    to_unit_id: Id
    forwarded_by: Id
    reason: ShortText = ""
