"""The case state machine: every status × every action × every argument, and random walks.

The expected table below is written out by hand from the issue, not derived from the module.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from ideapaja_contracts.events.progress import ExperimentOutcome
from ideapaja_contracts.events.review import Decision
from ideapaja_review.domain.lifecycle import (
    ALL_STATUSES,
    EXPERIMENT,
    GOOD_PRACTICE,
    IMPLEMENTED,
    IMPLEMENTING,
    IN_REVIEW,
    SCREENING,
    STOPPED,
    WITHDRAWN,
    Action,
    CaseState,
    CaseStatus,
    IllegalTransition,
    allowed_actions,
    apply,
    decided,
    piloted,
)

A = Action
SCALE, ADJUST, STOP = ExperimentOutcome.SCALE, ExperimentOutcome.ADJUST, ExperimentOutcome.STOP

# What each (not yet appealed) status allows, in the enum's order.
EXPECTED_ALLOWED: dict[CaseStatus, tuple[Action, ...]] = {
    SCREENING: (A.ACCEPT_FOR_REVIEW, A.DECIDE, A.WITHDRAW),
    IN_REVIEW: (A.DECIDE, A.WITHDRAW),
    decided(Decision.ACCEPTED): (A.APPEAL, A.START_EXPERIMENT, A.START_IMPLEMENTATION),
    decided(Decision.REJECTED): (A.APPEAL,),
    decided(Decision.NEEDS_INFO): (A.RESUME_SCREENING, A.WITHDRAW),
    decided(Decision.DUPLICATE): (A.APPEAL,),
    decided(Decision.FORWARDED): (),
    EXPERIMENT: (A.COMPLETE_EXPERIMENT,),
    piloted(SCALE): (A.START_IMPLEMENTATION,),
    piloted(ADJUST): (A.START_EXPERIMENT, A.START_IMPLEMENTATION),
    STOPPED: (),
    IMPLEMENTING: (A.RECORD_PROGRESS, A.COMPLETE_IMPLEMENTATION),
    IMPLEMENTED: (A.PUBLISH_PRACTICE,),
    GOOD_PRACTICE: (A.RECORD_ADOPTION,),
    WITHDRAWN: (),
}


def expected_allowed(status: CaseStatus) -> tuple[Action, ...]:
    base = EXPECTED_ALLOWED[replace(status, appealed=False)]
    return tuple(a for a in base if not (status.appealed and a is A.APPEAL))


# Where each simple (argument-free) action leads from any status that allows it.
SIMPLE_TARGET = {
    A.ACCEPT_FOR_REVIEW: CaseState.IN_REVIEW,
    A.RESUME_SCREENING: CaseState.SCREENING,
    A.APPEAL: CaseState.IN_REVIEW,
    A.START_EXPERIMENT: CaseState.EXPERIMENT,
    A.START_IMPLEMENTATION: CaseState.IMPLEMENTING,
    A.RECORD_PROGRESS: CaseState.IMPLEMENTING,
    A.COMPLETE_IMPLEMENTATION: CaseState.IMPLEMENTED,
    A.PUBLISH_PRACTICE: CaseState.GOOD_PRACTICE,
    A.RECORD_ADOPTION: CaseState.GOOD_PRACTICE,
    A.WITHDRAW: CaseState.WITHDRAWN,
}


def expected_after(
    status: CaseStatus, action: Action, decision: Decision | None, outcome: ExperimentOutcome | None
) -> CaseStatus | type[Exception]:
    """The hand-written answer for one combination: a status, or the exception raised."""
    if action not in expected_allowed(status):
        return IllegalTransition
    appealed = status.appealed or action is A.APPEAL
    if action is A.DECIDE:
        if decision is None or outcome is not None:
            return ValueError
        return CaseStatus(CaseState.DECIDED, decision, appealed=appealed)
    if decision is not None:
        return ValueError
    if action is A.COMPLETE_EXPERIMENT:
        if outcome is None:
            return ValueError
        if outcome is STOP:
            return CaseStatus(CaseState.STOPPED, appealed=appealed)
        return CaseStatus(CaseState.PILOTED, outcome=outcome, appealed=appealed)
    if outcome is not None:
        return ValueError
    return CaseStatus(SIMPLE_TARGET[action], appealed=appealed)


def test_every_status_is_listed_once_with_and_without_its_appeal_used() -> None:
    assert len(ALL_STATUSES) == len(set(ALL_STATUSES)) == 2 * len(EXPECTED_ALLOWED)
    assert {replace(s, appealed=False) for s in ALL_STATUSES} == set(EXPECTED_ALLOWED)


@pytest.mark.parametrize("status", ALL_STATUSES, ids=lambda s: s.describe())
def test_allowed_actions(status: CaseStatus) -> None:
    assert allowed_actions(status) == expected_allowed(status)


ARGUMENTS: list[tuple[Decision | None, ExperimentOutcome | None]] = [
    (None, None),
    *((d, None) for d in Decision),
    *((None, o) for o in ExperimentOutcome),
    (Decision.ACCEPTED, SCALE),
]


@pytest.mark.parametrize("status", ALL_STATUSES, ids=lambda s: s.describe())
@pytest.mark.parametrize("action", list(Action))
@pytest.mark.parametrize("arguments", ARGUMENTS, ids=lambda a: f"{a[0]}-{a[1]}")
def test_every_status_action_and_argument(
    status: CaseStatus,
    action: Action,
    arguments: tuple[Decision | None, ExperimentOutcome | None],
) -> None:
    decision, outcome = arguments
    expected = expected_after(status, action, decision, outcome)
    if expected is IllegalTransition:
        with pytest.raises(IllegalTransition) as raised:
            apply(status, action, decision, outcome=outcome)
        assert raised.value.allowed == expected_allowed(status)
        assert (raised.value.status, raised.value.action) == (status, action)
    elif expected is ValueError:
        with pytest.raises(ValueError):
            apply(status, action, decision, outcome=outcome)
    else:
        assert apply(status, action, decision, outcome=outcome) == expected


def test_needs_info_round_trip_allows_a_new_decision() -> None:
    asked = apply(SCREENING, A.DECIDE, Decision.NEEDS_INFO)
    back = apply(asked, A.RESUME_SCREENING)
    assert apply(back, A.DECIDE, Decision.ACCEPTED) == decided(Decision.ACCEPTED)


def test_second_decision_is_illegal_and_says_what_is_allowed() -> None:
    done = apply(SCREENING, A.DECIDE, Decision.REJECTED)
    with pytest.raises(IllegalTransition, match="is decided") as raised:
        apply(done, A.DECIDE, Decision.ACCEPTED)
    assert raised.value.allowed == (A.APPEAL,)


def test_a_second_appeal_is_refused_with_the_reason() -> None:
    rejected = apply(IN_REVIEW, A.DECIDE, Decision.REJECTED)
    reopened = apply(rejected, A.APPEAL)
    assert reopened == CaseStatus(CaseState.IN_REVIEW, appealed=True)
    again = apply(reopened, A.DECIDE, Decision.REJECTED)
    assert again == decided(Decision.REJECTED, appealed=True)
    with pytest.raises(IllegalTransition, match="appealed once already") as raised:
        apply(again, A.APPEAL)
    assert raised.value.allowed == ()


def test_implementing_a_rejected_idea_is_illegal() -> None:
    with pytest.raises(IllegalTransition) as raised:
        apply(decided(Decision.REJECTED), A.START_IMPLEMENTATION)
    assert raised.value.allowed == (A.APPEAL,)


def test_the_whole_road_to_a_good_practice() -> None:
    status = SCREENING
    for action, decision, outcome in [
        (A.ACCEPT_FOR_REVIEW, None, None),
        (A.DECIDE, Decision.ACCEPTED, None),
        (A.START_EXPERIMENT, None, None),
        (A.COMPLETE_EXPERIMENT, None, ADJUST),
        (A.START_EXPERIMENT, None, None),
        (A.COMPLETE_EXPERIMENT, None, SCALE),
        (A.START_IMPLEMENTATION, None, None),
        (A.RECORD_PROGRESS, None, None),
        (A.COMPLETE_IMPLEMENTATION, None, None),
        (A.PUBLISH_PRACTICE, None, None),
        (A.RECORD_ADOPTION, None, None),
    ]:
        status = apply(status, action, decision, outcome=outcome)
    assert status == GOOD_PRACTICE


@pytest.mark.parametrize(
    ("state", "decision", "outcome"),
    [
        (CaseState.SCREENING, Decision.ACCEPTED, None),
        (CaseState.DECIDED, None, None),
        (CaseState.PILOTED, None, None),
        (CaseState.PILOTED, None, STOP),
        (CaseState.EXPERIMENT, None, SCALE),
    ],
)
def test_inconsistent_statuses_cannot_be_built(
    state: CaseState, decision: Decision | None, outcome: ExperimentOutcome | None
) -> None:
    with pytest.raises(ValueError):
        CaseStatus(state, decision, outcome)


class CaseWalk(RuleBasedStateMachine):
    """Random sequences of any action with any argument, legal or not, checked against the
    table and against what must hold on every path."""

    def __init__(self) -> None:
        super().__init__()
        self.status = SCREENING
        self.appeals = 0
        self.accepted_ever = False
        self.implemented_ever = False

    @rule(
        action=st.sampled_from(list(Action)),
        decision=st.none() | st.sampled_from(list(Decision)),
        outcome=st.none() | st.sampled_from(list(ExperimentOutcome)),
    )
    def act(
        self, action: Action, decision: Decision | None, outcome: ExperimentOutcome | None
    ) -> None:
        before = self.status
        expected = expected_after(before, action, decision, outcome)
        try:
            after = apply(before, action, decision, outcome=outcome)
        except IllegalTransition:
            assert expected is IllegalTransition
            return
        except ValueError:
            assert expected is ValueError
            return
        assert after == expected
        self.status = after
        if action is A.APPEAL:
            self.appeals += 1
        if after == decided(Decision.ACCEPTED, appealed=after.appealed):
            self.accepted_ever = True
        if after.state is CaseState.IMPLEMENTED:
            self.implemented_ever = True

    @rule()
    def legal_action(self) -> None:
        """Take the first legal action with a fitting argument, so walks go deep."""
        for action in allowed_actions(self.status):
            decision = Decision.ACCEPTED if action is A.DECIDE else None
            outcome = SCALE if action is A.COMPLETE_EXPERIMENT else None
            self.act(action, decision, outcome)
            return

    @invariant()
    def at_most_one_appeal(self) -> None:
        assert self.appeals <= 1
        assert self.status.appealed == (self.appeals == 1)

    @invariant()
    def nothing_is_implemented_without_acceptance(self) -> None:
        if self.status.state in (
            CaseState.EXPERIMENT,
            CaseState.PILOTED,
            CaseState.IMPLEMENTING,
            CaseState.IMPLEMENTED,
            CaseState.GOOD_PRACTICE,
        ):
            assert self.accepted_ever
        if self.status.state is CaseState.GOOD_PRACTICE:
            assert self.implemented_ever

    @invariant()
    def final_states_allow_nothing(self) -> None:
        final = self.status.state in (CaseState.STOPPED, CaseState.WITHDRAWN) or (
            self.status.decision is Decision.FORWARDED
        )
        if final:
            assert allowed_actions(self.status) == ()


TestCaseWalk = CaseWalk.TestCase
TestCaseWalk.settings = settings(max_examples=150, stateful_step_count=30, deadline=None)
