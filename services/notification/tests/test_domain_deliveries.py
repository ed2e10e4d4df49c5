"""Delivery ids, re-queueing and the retry schedule."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from ideapaja_contracts.base import ID_PATTERN
from ideapaja_notification.domain.deliveries import (
    DeliveryStatus,
    Priority,
    RetryPolicy,
    can_requeue,
    cause_key,
    delivery_id,
    lanes,
    priority_of,
)
from ideapaja_notification.domain.kinds import TemplateId

POLICY = RetryPolicy(max_attempts=5, base_seconds=10, max_seconds=60)


def test_delivery_id_is_stable_and_distinguishes_each_part() -> None:
    one = delivery_id("e-1", "p-1", "idea_accepted")
    assert one == delivery_id("e-1", "p-1", "idea_accepted")
    assert len({one, delivery_id("e-2", "p-1", "idea_accepted")}) == 2
    assert len({one, delivery_id("e-1", "p-2", "idea_accepted")}) == 2
    assert len({one, delivery_id("e-1", "p-1", "reward_granted")}) == 2
    assert re.match(ID_PATTERN, one)


def test_only_failed_deliveries_can_be_requeued() -> None:
    assert can_requeue(DeliveryStatus.FAILED)
    assert not can_requeue(DeliveryStatus.SENT)
    assert not can_requeue(DeliveryStatus.PENDING)


def test_backoff_doubles_up_to_the_cap_then_gives_up() -> None:
    delays = [POLICY.delay_after(n, permanent=False) for n in range(1, 6)]
    assert delays == [10, 20, 40, 60, None]


def test_permanent_errors_are_not_retried() -> None:
    assert POLICY.delay_after(1, permanent=True) is None


@given(attempts=st.integers(min_value=0, max_value=10_000))
def test_delay_is_bounded_for_any_attempt_count(attempts: int) -> None:
    policy = RetryPolicy(max_attempts=10_001, base_seconds=1, max_seconds=3600)
    delay = policy.delay_after(attempts, permanent=False)
    assert delay is not None and 0 < delay <= 3600


@given(event_id=st.text(min_size=1, max_size=300))
def test_cause_key_is_always_a_valid_id_and_stable(event_id: str) -> None:
    key = cause_key(event_id)
    assert re.match(ID_PATTERN, key)
    assert key == cause_key(event_id)


def test_cause_key_keeps_ordinary_ids() -> None:
    assert cause_key("0b5c8a3e-4d1f-4a55-9f1e-2d3c4b5a6978") == (
        "0b5c8a3e-4d1f-4a55-9f1e-2d3c4b5a6978"
    )
    assert cause_key("hr.import.1").startswith("h-")


def test_lanes_deal_the_oldest_first_across_lanes_each_oldest_first() -> None:
    assert lanes(list(range(7)), 3) == [[0, 3, 6], [1, 4], [2, 5]]
    assert lanes([0, 1], 4) == [[0], [1]]  # no empty lanes
    assert lanes([], 4) == []
    assert lanes(list(range(3)), 1) == [[0, 1, 2]]


def test_decisions_and_requests_to_act_are_prompt_other_notices_not_digests_last() -> None:
    assert priority_of(TemplateId.IDEA_ACCEPTED) is Priority.PROMPT
    assert priority_of(TemplateId.IDEA_NEEDS_INFO) is Priority.PROMPT
    assert priority_of(TemplateId.CASE_DEADLINE_NEAR) is Priority.PROMPT
    assert priority_of(TemplateId.IDEA_RECEIVED) is Priority.NOTICE
    assert priority_of(TemplateId.CASE_TO_SCREEN) is Priority.NOTICE
    assert priority_of("a template from a later release") is Priority.NOTICE
    assert priority_of("digest_weekly", digest=True) is Priority.BULK
    assert Priority.PROMPT < Priority.NOTICE < Priority.BULK
