"""The lifecycle of a review case as a state machine: states, actions and the legal moves.

Only this module decides which action is legal in which state; the API and the handlers ask it
and turn ``IllegalTransition`` into a 409 that lists what *is* allowed. Later stages (committee
review, experiments, implementation, appeals) grow here as new states and actions.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from ideapaja_contracts.events.review import Decision


class CaseState(StrEnum):
    SCREENING = "screening"
    DECIDED = "decided"


class Action(StrEnum):
    DECIDE = "decide"
    # The author answered a needs_info decision: the case goes back to its reviewers.
    RESUME_SCREENING = "resume_screening"


@dataclass(frozen=True)
class CaseStatus:
    """Where a case stands: a state, plus the decision once one is made."""

    state: CaseState
    decision: Decision | None = None

    def __post_init__(self) -> None:
        if (self.state is CaseState.DECIDED) != (self.decision is not None):
            raise ValueError(f"a case in state {self.state} cannot carry decision {self.decision}")

    def describe(self) -> str:
        return f"{self.state} ({self.decision})" if self.decision else str(self.state)


SCREENING = CaseStatus(CaseState.SCREENING)


def decided(decision: Decision) -> CaseStatus:
    return CaseStatus(CaseState.DECIDED, decision)


# Every status a case can be in, for callers (and tests) that must consider them all.
ALL_STATUSES: tuple[CaseStatus, ...] = (SCREENING, *(decided(d) for d in Decision))


class IllegalTransition(Exception):
    def __init__(self, status: CaseStatus, action: Action, allowed: tuple[Action, ...]) -> None:
        super().__init__(f"{action} is not allowed when the case is {status.describe()}")
        self.status = status
        self.action = action
        self.allowed = allowed


# The legal moves: status → action → whether that action takes a decision.
# A status missing here, or an action missing for it, is a dead end for now (e.g. accepted:
# experiments come later). Decided cases are final except needs_info, which waits for the author.
_MOVES: Mapping[CaseStatus, frozenset[Action]] = {
    SCREENING: frozenset({Action.DECIDE}),
    decided(Decision.NEEDS_INFO): frozenset({Action.RESUME_SCREENING}),
}


def allowed_actions(status: CaseStatus) -> tuple[Action, ...]:
    """The actions legal in ``status``, in a stable order (the enum's)."""
    moves = _MOVES.get(status, frozenset())
    return tuple(action for action in Action if action in moves)


def apply(status: CaseStatus, action: Action, decision: Decision | None = None) -> CaseStatus:
    """The status after ``action``; raises ``IllegalTransition`` when it is not allowed now.

    ``decision`` is required by (and only by) ``decide``.
    """
    allowed = allowed_actions(status)
    if action not in allowed:
        raise IllegalTransition(status, action, allowed)
    if action is Action.DECIDE:
        if decision is None:
            raise ValueError("decide needs a decision")
        return decided(decision)
    if decision is not None:
        raise ValueError(f"{action} takes no decision")
    # RESUME_SCREENING
    return SCREENING
