"""Every event has exactly one publisher: a new event without an owner fails here."""

from __future__ import annotations

import pytest

from ideapaja_contracts import ownership
from ideapaja_contracts.registry import ALL_EVENTS


def _matches(pattern: str, subject: str) -> bool:
    """NATS subject matching: ``*`` is one token, a final ``>`` one or more."""
    want, have = pattern.split("."), subject.split(".")
    for index, token in enumerate(want):
        if token == ">":
            return len(have) > index
        if index >= len(have) or (token != "*" and token != have[index]):
            return False
    return len(have) == len(want)


def _example_subject(cls: type) -> str:
    return cls.subject_pattern().replace("*", "some-id")  # type: ignore[attr-defined, no-any-return]


def test_every_registered_aggregate_has_an_owner() -> None:
    missing = sorted({cls.aggregate for cls in ALL_EVENTS} - set(ownership.OWNERS))
    assert not missing, (
        f"aggregate(s) {missing} have no publisher: add them to ideapaja_contracts/ownership.py "
        "(OWNERS), which also decides the services' NATS publish permissions"
    )


def test_no_owner_for_an_aggregate_without_events() -> None:
    stale = sorted(set(ownership.OWNERS) - {cls.aggregate for cls in ALL_EVENTS})
    assert not stale, f"OWNERS names aggregates no event has: {stale}"


@pytest.mark.parametrize("cls", ALL_EVENTS, ids=lambda cls: cls.event_type())
def test_exactly_one_publisher_may_publish_each_event(cls: type) -> None:
    subject = _example_subject(cls)
    allowed = [
        who
        for who in ownership.owners()
        if any(_matches(p, subject) for p in ownership.publish_subjects(who))
    ]
    assert allowed == [ownership.owner(cls.aggregate)], (subject, allowed)  # type: ignore[attr-defined]


def test_publish_subjects() -> None:
    assert ownership.publish_subjects("intake") == ["ideapaja.idea.>"]
    assert ownership.publish_subjects("reward") == ["ideapaja.reward.>"]
    assert ownership.publish_subjects("notification") == ["ideapaja.notification.>"]
    assert ownership.publish_subjects("privacy") == ["ideapaja.privacy.>"]
    assert ownership.owned_aggregates("privacy") == ["privacy"]
    assert set(ownership.publish_subjects("review")) >= {
        "ideapaja.review.>",
        "ideapaja.experiment.>",
        "ideapaja.implementation.>",
        "ideapaja.practice.>",
    }
    assert ownership.publish_subjects(ownership.HR_ADAPTER) == ["hr.>"]
    # A service that owns nothing (an extension that only consumes) may publish no event.
    assert ownership.publish_subjects("good-practice-library") == []
    assert ownership.owned_aggregates("good-practice-library") == []


def test_the_subject_matcher() -> None:
    assert _matches("ideapaja.idea.>", "ideapaja.idea.submitted.v1")
    assert not _matches("ideapaja.idea.>", "ideapaja.idea")
    assert not _matches("ideapaja.idea.>", "ideapaja.ideas.submitted.v1")
    assert _matches("hr.>", "hr.person.p-1")
    assert _matches("hr.*.x", "hr.person.x") and not _matches("hr.*", "hr.person.x")
