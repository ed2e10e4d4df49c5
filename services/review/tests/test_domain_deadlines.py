"""Deadlines per step and the escalation ladder, with time as a plain argument."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ideapaja_contracts.events.idea import Scope
from ideapaja_review.domain.deadlines import (
    EscalationTarget,
    Level,
    due_at,
    is_overdue,
    next_escalation,
    starting_level,
)
from ideapaja_review.domain.lifecycle import CaseState
from ideapaja_review.domain.rules import Deadlines

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
DEADLINES = Deadlines(screening_days=14, in_review_days=60, experiment_report_days=10)


def test_screening_and_review_are_due_days_after_they_start() -> None:
    assert due_at(CaseState.SCREENING, T0, DEADLINES) == T0 + timedelta(days=14)
    assert due_at(CaseState.IN_REVIEW, T0, DEADLINES) == T0 + timedelta(days=60)
    assert due_at(CaseState.IMPLEMENTING, T0, DEADLINES) == T0 + timedelta(days=365)


def test_experiment_results_are_due_after_the_pilot_ends() -> None:
    due = due_at(CaseState.EXPERIMENT, T0, DEADLINES, experiment_ends_on=date(2025, 5, 31))
    assert due == datetime(2025, 6, 11, tzinfo=UTC)
    assert due_at(CaseState.EXPERIMENT, T0, DEADLINES) is None


@pytest.mark.parametrize(
    "state", [CaseState.DECIDED, CaseState.PILOTED, CaseState.IMPLEMENTED, CaseState.WITHDRAWN]
)
def test_waiting_and_final_states_have_no_deadline(state: CaseState) -> None:
    assert due_at(state, T0, DEADLINES) is None


def test_a_step_without_days_has_no_deadline() -> None:
    assert due_at(CaseState.SCREENING, T0, Deadlines(screening_days=None)) is None


def test_overdue_from_the_due_moment_on() -> None:
    due = T0 + timedelta(days=1)
    assert not is_overdue(due, due - timedelta(seconds=1))
    assert is_overdue(due, due)
    assert not is_overdue(None, due)


@pytest.mark.parametrize(
    ("scope", "level"),
    [(Scope.UNIT, Level.UNIT), (Scope.DEPARTMENT, Level.DEPARTMENT), (Scope.CITY, Level.COMMITTEE)],
)
def test_starting_level(scope: Scope, level: Level) -> None:
    assert starting_level(scope) is level


def test_a_unit_case_climbs_department_committee_admin_then_stops() -> None:
    deadlines = Deadlines(escalation_days=5)
    due = T0
    level = Level.UNIT
    seen = []
    now = T0
    for _ in range(6):
        now += timedelta(days=30)
        step = next_escalation(level, due, now, deadlines)
        if step is None:
            break
        seen.append(step.target)
        level = step.level
        if step.next_due_at is not None:
            assert step.next_due_at == now + timedelta(days=5)
            due = step.next_due_at
    assert seen == [EscalationTarget.DEPARTMENT, EscalationTarget.COMMITTEE, EscalationTarget.ADMIN]


def test_nothing_escalates_before_the_deadline() -> None:
    assert next_escalation(Level.UNIT, T0, T0 - timedelta(minutes=1), DEADLINES) is None
    assert next_escalation(Level.UNIT, None, T0, DEADLINES) is None


@given(
    level=st.sampled_from(list(Level)),
    late=st.integers(min_value=0, max_value=10_000),
)
def test_escalation_always_moves_exactly_one_level_up(level: Level, late: int) -> None:
    step = next_escalation(level, T0, T0 + timedelta(minutes=late), DEADLINES)
    if level is Level.ADMIN:
        assert step is None
    else:
        assert step is not None and step.level == level + 1
        assert (step.next_due_at is None) == (step.level is Level.ADMIN)
