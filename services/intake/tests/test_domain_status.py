"""The status projection: a function of the whole history, whatever order events arrive in."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from ideapaja_contracts.events.review import Decision
from ideapaja_intake.domain.status import (
    DECISION_STATUSES,
    IdeaStatus,
    StatusChange,
    current_status,
    status_of_decision,
)

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


SUBMITTED = StatusChange("e-sub", IdeaStatus.SUBMITTED, at(0))


def screening(event_id: str, minutes: int, case: str = "c-1") -> StatusChange:
    return StatusChange(event_id, IdeaStatus.SCREENING, at(minutes), case)


def decided(event_id: str, status: IdeaStatus, minutes: int, case: str = "c-1") -> StatusChange:
    return StatusChange(event_id, status, at(minutes), case)


def status(*changes: StatusChange) -> IdeaStatus | None:
    winner = current_status(changes)
    return winner.status if winner else None


def test_every_decision_has_a_status() -> None:
    assert {status_of_decision(d) for d in Decision} == DECISION_STATUSES
    assert status_of_decision(Decision.NEEDS_INFO) is IdeaStatus.NEEDS_INFO


def test_empty_history_has_no_status() -> None:
    assert current_status([]) is None


def test_submitted_until_review_says_something() -> None:
    assert status(SUBMITTED) is IdeaStatus.SUBMITTED


def test_screening_then_decision() -> None:
    assert status(SUBMITTED, screening("e1", 5)) is IdeaStatus.SCREENING
    assert status(SUBMITTED, screening("e1", 5), decided("e2", IdeaStatus.ACCEPTED, 9)) == (
        IdeaStatus.ACCEPTED
    )


def test_late_screening_of_a_decided_case_is_ignored_even_with_a_skewed_clock() -> None:
    # The screening event claims to be newer (review's clock), but its case is already decided.
    history = [SUBMITTED, decided("e2", IdeaStatus.REJECTED, 5), screening("e1", 7)]
    assert status(*history) is IdeaStatus.REJECTED


def test_screening_older_than_a_decision_is_ignored_across_cases() -> None:
    history = [SUBMITTED, decided("e2", IdeaStatus.FORWARDED, 5), screening("e1", 3, "c-0")]
    assert status(*history) is IdeaStatus.FORWARDED


def test_a_forwarded_idea_screened_again_in_a_new_case_is_in_screening() -> None:
    history = [
        SUBMITTED,
        screening("e1", 1, "c-1"),
        decided("e2", IdeaStatus.FORWARDED, 5, "c-1"),
        screening("e3", 8, "c-2"),
    ]
    assert status(*history) is IdeaStatus.SCREENING


def test_the_latest_decision_wins() -> None:
    history = [
        SUBMITTED,
        decided("e2", IdeaStatus.NEEDS_INFO, 5),
        decided("e3", IdeaStatus.ACCEPTED, 30),
    ]
    assert status(*history) is IdeaStatus.ACCEPTED
    assert status(*reversed(history)) is IdeaStatus.ACCEPTED


def test_submission_never_overrides_review_even_if_stamped_later() -> None:
    late_submitted = StatusChange("e-sub", IdeaStatus.SUBMITTED, at(60))
    assert status(late_submitted, screening("e1", 1)) is IdeaStatus.SCREENING


def test_the_winner_carries_its_time() -> None:
    winner = current_status([SUBMITTED, screening("e1", 4), decided("e2", IdeaStatus.DUPLICATE, 6)])
    assert winner is not None and winner.occurred_at == at(6) and winner.event_id == "e2"


changes = st.builds(
    StatusChange,
    event_id=st.text("abcdef0123456789", min_size=4, max_size=8),
    status=st.sampled_from([s for s in IdeaStatus if s is not IdeaStatus.SUBMITTED]),
    occurred_at=st.integers(0, 20).map(at),
    case_id=st.sampled_from(["c-1", "c-2", None]),
)


@given(st.lists(changes, max_size=6, unique_by=lambda c: c.event_id), st.randoms())
def test_arrival_order_never_matters(history: list[StatusChange], rnd: object) -> None:
    shuffled = [SUBMITTED, *history]
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    assert current_status(shuffled) == current_status([SUBMITTED, *history])


@given(st.lists(changes, min_size=1, max_size=6, unique_by=lambda c: c.event_id))
def test_a_decided_idea_never_goes_back_to_screening_in_the_same_case(
    history: list[StatusChange],
) -> None:
    winner = current_status([SUBMITTED, *history])
    assert winner is not None
    if winner.status is IdeaStatus.SCREENING:
        assert not any(
            c.is_decision and (c.case_id == winner.case_id and c.case_id is not None)
            for c in history
        )
        assert not any(c.is_decision and c.occurred_at >= winner.occurred_at for c in history)


def test_all_orders_of_a_full_review_agree() -> None:
    history = [
        SUBMITTED,
        screening("e1", 1),
        decided("e2", IdeaStatus.NEEDS_INFO, 5),
        decided("e3", IdeaStatus.ACCEPTED, 9),
    ]
    results = {status(*order) for order in itertools.permutations(history)}
    assert results == {IdeaStatus.ACCEPTED}
