"""The lifecycle of a review case as a state machine: states, actions and the legal moves.

Only this module decides which action is legal in which state; the API and the handlers ask it
and turn ``IllegalTransition`` into a 409 that lists what *is* allowed.

    screening ──accept_for_review──▶ in_review
    screening | in_review ──decide(d)──▶ decided(d)
    decided(needs_info) ──resume_screening (the authors answered)──▶ screening
    decided(accepted | rejected | duplicate) ──appeal (once per case)──▶ in_review
    decided(accepted) ──start_experiment──▶ experiment ──complete_experiment(o)──▶
        piloted(scale | adjust) or stopped (o = stop)
    piloted(adjust) ──start_experiment──▶ experiment (another round)
    decided(accepted) | piloted ──start_implementation──▶ implementing
    implementing ──record_progress──▶ implementing ──complete_implementation──▶ implemented
    implemented ──publish_practice──▶ good_practice ──record_adoption──▶ good_practice
    screening | in_review | decided(needs_info) ──withdraw (the authors withdrew)──▶ withdrawn

``decided(forwarded)`` is final for the case: the idea continues in a new case of the receiving
unit. ``stopped`` and ``withdrawn`` are final.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from enum import StrEnum

from ideapaja_contracts.events.progress import ExperimentOutcome
from ideapaja_contracts.events.review import Decision


class CaseState(StrEnum):
    SCREENING = "screening"
    IN_REVIEW = "in_review"
    DECIDED = "decided"
    EXPERIMENT = "experiment"
    # An experiment ended with ``scale`` or ``adjust``: implement it, or (adjust) pilot again.
    PILOTED = "piloted"
    # An experiment ended with ``stop``: the lesson is documented, the idea goes no further.
    STOPPED = "stopped"
    IMPLEMENTING = "implementing"
    IMPLEMENTED = "implemented"
    GOOD_PRACTICE = "good_practice"
    WITHDRAWN = "withdrawn"


class Action(StrEnum):
    ACCEPT_FOR_REVIEW = "accept_for_review"
    DECIDE = "decide"
    # The authors answered a needs_info decision: the case goes back to its reviewers.
    RESUME_SCREENING = "resume_screening"
    # An appeal by the authors or a reopening by a reviewer; allowed once per case.
    APPEAL = "appeal"
    START_EXPERIMENT = "start_experiment"
    COMPLETE_EXPERIMENT = "complete_experiment"
    START_IMPLEMENTATION = "start_implementation"
    RECORD_PROGRESS = "record_progress"
    COMPLETE_IMPLEMENTATION = "complete_implementation"
    PUBLISH_PRACTICE = "publish_practice"
    RECORD_ADOPTION = "record_adoption"
    # The authors withdrew the idea in intake before review was done with it.
    WITHDRAW = "withdraw"


# Outcomes that keep the idea going after its pilot (stop ends it).
CONTINUING_OUTCOMES = frozenset({ExperimentOutcome.SCALE, ExperimentOutcome.ADJUST})
# Decisions that may be appealed or reopened (needs_info waits for the authors instead;
# a forwarded idea lives on in the receiving unit's case).
APPEALABLE = frozenset({Decision.ACCEPTED, Decision.REJECTED, Decision.DUPLICATE})


@dataclass(frozen=True)
class CaseStatus:
    """Where a case stands: a state, the decision while decided, the pilot's outcome while
    piloted, and whether its one appeal has been used."""

    state: CaseState
    decision: Decision | None = None
    outcome: ExperimentOutcome | None = None
    appealed: bool = False

    def __post_init__(self) -> None:
        if (self.state is CaseState.DECIDED) != (self.decision is not None):
            raise ValueError(f"a case in state {self.state} cannot carry decision {self.decision}")
        if (self.state is CaseState.PILOTED) != (self.outcome is not None):
            raise ValueError(f"a case in state {self.state} cannot carry outcome {self.outcome}")
        if self.outcome is not None and self.outcome not in CONTINUING_OUTCOMES:
            raise ValueError(f"a piloted case continues; {self.outcome} stops it")

    def describe(self) -> str:
        detail = self.decision or self.outcome
        text = f"{self.state} ({detail})" if detail else str(self.state)
        return f"{text}, appealed" if self.appealed else text


SCREENING = CaseStatus(CaseState.SCREENING)
IN_REVIEW = CaseStatus(CaseState.IN_REVIEW)
EXPERIMENT = CaseStatus(CaseState.EXPERIMENT)
STOPPED = CaseStatus(CaseState.STOPPED)
IMPLEMENTING = CaseStatus(CaseState.IMPLEMENTING)
IMPLEMENTED = CaseStatus(CaseState.IMPLEMENTED)
GOOD_PRACTICE = CaseStatus(CaseState.GOOD_PRACTICE)
WITHDRAWN = CaseStatus(CaseState.WITHDRAWN)


def decided(decision: Decision, *, appealed: bool = False) -> CaseStatus:
    return CaseStatus(CaseState.DECIDED, decision, appealed=appealed)


def piloted(outcome: ExperimentOutcome, *, appealed: bool = False) -> CaseStatus:
    return CaseStatus(CaseState.PILOTED, outcome=outcome, appealed=appealed)


_BASE_STATUSES: tuple[CaseStatus, ...] = (
    SCREENING,
    IN_REVIEW,
    *(decided(d) for d in Decision),
    EXPERIMENT,
    *(piloted(o) for o in ExperimentOutcome if o in CONTINUING_OUTCOMES),
    STOPPED,
    IMPLEMENTING,
    IMPLEMENTED,
    GOOD_PRACTICE,
    WITHDRAWN,
)
# Every status a case can be in, for callers (and tests) that must consider them all.
ALL_STATUSES: tuple[CaseStatus, ...] = (
    *_BASE_STATUSES,
    *(replace(s, appealed=True) for s in _BASE_STATUSES),
)

# States in which a case waits for its reviewers: what "open cases" (workload) counts.
OPEN_STATES = frozenset({CaseState.SCREENING, CaseState.IN_REVIEW})
# States from which the authors' withdrawal closes the case.
WITHDRAWABLE = frozenset({SCREENING, IN_REVIEW, decided(Decision.NEEDS_INFO)})


class IllegalTransition(Exception):
    def __init__(self, status: CaseStatus, action: Action, allowed: tuple[Action, ...]) -> None:
        reason = (
            "the case has been appealed once already"
            if action is Action.APPEAL and status.appealed
            else f"the case is {status.describe()}"
        )
        super().__init__(f"{action} is not allowed: {reason}")
        self.status = status
        self.action = action
        self.allowed = allowed


def _moves(status: CaseStatus) -> frozenset[Action]:
    """The legal actions in ``status`` (unordered)."""
    state = status.state
    moves: set[Action] = set()
    if status.state in (CaseState.SCREENING, CaseState.IN_REVIEW):
        moves.add(Action.DECIDE)
    if state is CaseState.SCREENING:
        moves.add(Action.ACCEPT_FOR_REVIEW)
    if state is CaseState.DECIDED:
        if status.decision is Decision.NEEDS_INFO:
            moves.add(Action.RESUME_SCREENING)
        if status.decision in APPEALABLE and not status.appealed:
            moves.add(Action.APPEAL)
        if status.decision is Decision.ACCEPTED:
            moves.update({Action.START_EXPERIMENT, Action.START_IMPLEMENTATION})
    if state is CaseState.EXPERIMENT:
        moves.add(Action.COMPLETE_EXPERIMENT)
    if state is CaseState.PILOTED:
        moves.add(Action.START_IMPLEMENTATION)
        if status.outcome is ExperimentOutcome.ADJUST:
            moves.add(Action.START_EXPERIMENT)
    if state is CaseState.IMPLEMENTING:
        moves.update({Action.RECORD_PROGRESS, Action.COMPLETE_IMPLEMENTATION})
    if state is CaseState.IMPLEMENTED:
        moves.add(Action.PUBLISH_PRACTICE)
    if state is CaseState.GOOD_PRACTICE:
        moves.add(Action.RECORD_ADOPTION)
    if replace(status, appealed=False) in WITHDRAWABLE:
        moves.add(Action.WITHDRAW)
    return frozenset(moves)


def allowed_actions(status: CaseStatus) -> tuple[Action, ...]:
    """The actions legal in ``status``, in a stable order (the enum's)."""
    moves = _moves(status)
    return tuple(action for action in Action if action in moves)


def is_allowed(status: CaseStatus, action: Action) -> bool:
    return action in _moves(status)


def _keep(status: CaseStatus, state: CaseState) -> CaseStatus:
    return CaseStatus(state, appealed=status.appealed)


# Actions that take no argument: where each leads.
_SIMPLE: Mapping[Action, Callable[[CaseStatus], CaseStatus]] = {
    Action.ACCEPT_FOR_REVIEW: lambda s: _keep(s, CaseState.IN_REVIEW),
    Action.RESUME_SCREENING: lambda s: _keep(s, CaseState.SCREENING),
    Action.APPEAL: lambda s: CaseStatus(CaseState.IN_REVIEW, appealed=True),
    Action.START_EXPERIMENT: lambda s: _keep(s, CaseState.EXPERIMENT),
    Action.START_IMPLEMENTATION: lambda s: _keep(s, CaseState.IMPLEMENTING),
    Action.RECORD_PROGRESS: lambda s: s,
    Action.COMPLETE_IMPLEMENTATION: lambda s: _keep(s, CaseState.IMPLEMENTED),
    Action.PUBLISH_PRACTICE: lambda s: _keep(s, CaseState.GOOD_PRACTICE),
    Action.RECORD_ADOPTION: lambda s: s,
    Action.WITHDRAW: lambda s: _keep(s, CaseState.WITHDRAWN),
}


def apply(
    status: CaseStatus,
    action: Action,
    decision: Decision | None = None,
    *,
    outcome: ExperimentOutcome | None = None,
) -> CaseStatus:
    """The status after ``action``; raises ``IllegalTransition`` when it is not allowed now.

    ``decision`` is required by (and only by) ``decide``; ``outcome`` by (and only by)
    ``complete_experiment``.
    """
    allowed = allowed_actions(status)
    if action not in allowed:
        raise IllegalTransition(status, action, allowed)
    if action is Action.DECIDE:
        if decision is None:
            raise ValueError("decide needs a decision")
        if outcome is not None:
            raise ValueError("decide takes no outcome")
        return decided(decision, appealed=status.appealed)
    if decision is not None:
        raise ValueError(f"{action} takes no decision")
    if action is Action.COMPLETE_EXPERIMENT:
        if outcome is None:
            raise ValueError("complete_experiment needs an outcome")
        if outcome in CONTINUING_OUTCOMES:
            return piloted(outcome, appealed=status.appealed)
        return _keep(status, CaseState.STOPPED)
    if outcome is not None:
        raise ValueError(f"{action} takes no outcome")
    return _SIMPLE[action](status)
