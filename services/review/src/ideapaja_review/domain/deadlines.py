"""Deadlines and escalation: when a step is due, and who it goes to when it is not done in time.

Each step (screening, in review, reporting an experiment, implementing) has a deadline from the
department's rule. A step past its deadline is escalated one level up the ladder

    unit reviewers → department → committee → admin

starting from the level the idea's scope is reviewed at (a city idea is already with the
committee, so it escalates straight to the admins). Each escalation gives the new level
``escalation_days`` before the next one; after the admins there is nowhere higher, and the case
simply stays overdue on every work list.

Before a deadline is missed, its reviewers are reminded once: when the sweep finds the step due
within the warning period (``deadline_near``), at its current level (each level has a deadline of
its own, so an escalated step's new reviewers are reminded before the next escalation too).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import IntEnum, StrEnum

from ideapaja_contracts.events.idea import Scope
from ideapaja_review.domain.lifecycle import CaseState
from ideapaja_review.domain.rules import Deadlines


class Level(IntEnum):
    UNIT = 0
    DEPARTMENT = 1
    COMMITTEE = 2
    ADMIN = 3


class EscalationTarget(StrEnum):
    DEPARTMENT = "department"
    COMMITTEE = "committee"
    ADMIN = "admin"


_TARGETS = {
    Level.DEPARTMENT: EscalationTarget.DEPARTMENT,
    Level.COMMITTEE: EscalationTarget.COMMITTEE,
    Level.ADMIN: EscalationTarget.ADMIN,
}

# The steps that have deadlines (the case's state names them).
DEADLINE_STEPS = frozenset(
    {CaseState.SCREENING, CaseState.IN_REVIEW, CaseState.EXPERIMENT, CaseState.IMPLEMENTING}
)


def starting_level(scope: Scope) -> Level:
    """The level at which an idea of ``scope`` is reviewed before any escalation. (A department
    whose rule sends its ideas to the committee still starts at the department level: its
    first escalation finds the committee already there and goes on to the admins next.)"""
    if scope is Scope.CITY:
        return Level.COMMITTEE
    return Level.DEPARTMENT if scope is Scope.DEPARTMENT else Level.UNIT


def due_at(
    state: CaseState,
    entered_at: datetime,
    deadlines: Deadlines,
    *,
    experiment_ends_on: date | None = None,
) -> datetime | None:
    """When the step ``state`` entered at ``entered_at`` is due (None: it has no deadline)."""
    if state not in DEADLINE_STEPS:
        return None
    days = deadlines.days_for(state)
    if days is None:
        return None
    if state is CaseState.EXPERIMENT:
        if experiment_ends_on is None:
            return None
        # Results are due ``days`` after the last day of the pilot.
        end_of_pilot = datetime.combine(experiment_ends_on + timedelta(days=1), time(), UTC)
        return end_of_pilot + timedelta(days=days)
    return entered_at + timedelta(days=days)


def is_overdue(due: datetime | None, now: datetime) -> bool:
    return due is not None and now >= due


@dataclass(frozen=True)
class Escalation:
    level: Level
    target: EscalationTarget
    next_due_at: datetime | None


def next_escalation(
    current: Level, due: datetime | None, now: datetime, deadlines: Deadlines
) -> Escalation | None:
    """The escalation an overdue step gets now, or None (not overdue, or already at the top)."""
    if not is_overdue(due, now) or current >= Level.ADMIN:
        return None
    level = Level(current + 1)
    # At the top there is no further deadline to miss: the admins see it as overdue.
    next_due = None if level is Level.ADMIN else now + timedelta(days=deadlines.escalation_days)
    return Escalation(level, _TARGETS[level], next_due)


def deadline_near(due: datetime | None, now: datetime, warning: timedelta) -> bool:
    """The step is not overdue yet but is due within ``warning`` of ``now`` (a zero warning
    reminds nobody)."""
    if due is None or warning <= timedelta(0):
        return False
    return now < due <= now + warning
