"""The case state machine: every status, action and decision combined."""

from __future__ import annotations

import pytest

from ideapaja_contracts.events.review import Decision
from ideapaja_review.domain.lifecycle import (
    ALL_STATUSES,
    SCREENING,
    Action,
    CaseState,
    CaseStatus,
    IllegalTransition,
    allowed_actions,
    apply,
    decided,
)

DECISIONS: list[Decision | None] = [None, *Decision]

# The whole table as the brief states it: screening can be decided any way; a needs_info case
# can go back to screening; every other decided case is final (for now).
EXPECTED_ALLOWED = {
    SCREENING: (Action.DECIDE,),
    decided(Decision.ACCEPTED): (),
    decided(Decision.REJECTED): (),
    decided(Decision.NEEDS_INFO): (Action.RESUME_SCREENING,),
    decided(Decision.DUPLICATE): (),
    decided(Decision.FORWARDED): (),
}


def test_every_status_is_listed_once() -> None:
    assert set(ALL_STATUSES) == set(EXPECTED_ALLOWED)
    assert len(ALL_STATUSES) == len(set(ALL_STATUSES)) == 1 + len(Decision)


@pytest.mark.parametrize("status", ALL_STATUSES, ids=lambda s: s.describe())
def test_allowed_actions(status: CaseStatus) -> None:
    assert allowed_actions(status) == EXPECTED_ALLOWED[status]


@pytest.mark.parametrize("status", ALL_STATUSES, ids=lambda s: s.describe())
@pytest.mark.parametrize("action", list(Action))
@pytest.mark.parametrize("decision", DECISIONS, ids=str)
def test_every_status_action_and_decision(
    status: CaseStatus, action: Action, decision: Decision | None
) -> None:
    legal = action in EXPECTED_ALLOWED[status]
    if not legal:
        with pytest.raises(IllegalTransition) as raised:
            apply(status, action, decision)
        assert raised.value.allowed == EXPECTED_ALLOWED[status]
        assert raised.value.status == status
        assert raised.value.action is action
        return
    if action is Action.DECIDE:
        if decision is None:
            with pytest.raises(ValueError, match="needs a decision"):
                apply(status, action, decision)
        else:
            assert apply(status, action, decision) == CaseStatus(CaseState.DECIDED, decision)
    else:  # RESUME_SCREENING
        if decision is not None:
            with pytest.raises(ValueError, match="takes no decision"):
                apply(status, action, decision)
        else:
            assert apply(status, action) == SCREENING


def test_needs_info_round_trip_allows_a_new_decision() -> None:
    asked = apply(SCREENING, Action.DECIDE, Decision.NEEDS_INFO)
    back = apply(asked, Action.RESUME_SCREENING)
    assert apply(back, Action.DECIDE, Decision.ACCEPTED) == decided(Decision.ACCEPTED)


def test_second_decision_is_illegal_and_says_what_is_allowed() -> None:
    done = apply(SCREENING, Action.DECIDE, Decision.REJECTED)
    with pytest.raises(IllegalTransition, match="not allowed when the case is decided"):
        apply(done, Action.DECIDE, Decision.ACCEPTED)


@pytest.mark.parametrize("decision", list(Decision))
def test_screening_cannot_carry_a_decision(decision: Decision) -> None:
    with pytest.raises(ValueError):
        CaseStatus(CaseState.SCREENING, decision)


def test_decided_needs_a_decision() -> None:
    with pytest.raises(ValueError):
        CaseStatus(CaseState.DECIDED)
