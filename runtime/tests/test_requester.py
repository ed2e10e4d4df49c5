"""On whose behalf a request is made: ``Ideapaja-Requested-By`` counts from the privacy
service's token alone."""

from __future__ import annotations

import pytest

from ideapaja_runtime.auth import Principal
from ideapaja_runtime.requester import requester_id, sees_own_data


def principal(person_id: str, *roles: str) -> Principal:
    return Principal(person_id=person_id, roles=frozenset(roles), unit_ids=frozenset())


PRIVACY = principal("service:privacy", "privacy-service")
HR = principal("p-hr", "hr")


@pytest.mark.parametrize(
    ("caller", "header", "requester"),
    [
        (PRIVACY, "p-1", "p-1"),  # on the person's behalf
        (PRIVACY, "p-hr", "p-hr"),  # on HR's behalf
        (PRIVACY, None, None),  # names nobody: nobody's own
        (PRIVACY, "p-1\n", None),  # malformed: nobody's
        (PRIVACY, "x" * 65, None),
        (HR, "p-1", "p-hr"),  # a person's claim is ignored
        (HR, None, "p-hr"),
        (principal("p-1", "employee"), None, "p-1"),
        (principal("service:reward", "reward-service"), "p-1", None),  # another service's too
    ],
)
def test_the_header_counts_from_the_privacy_service_alone(
    caller: Principal, header: str | None, requester: str | None
) -> None:
    assert requester_id(caller, header) == requester


def test_own_data_is_the_subjects_own_request() -> None:
    assert sees_own_data(principal("p-1", "employee"), None, "p-1")
    assert sees_own_data(PRIVACY, "p-1", "p-1")
    assert not sees_own_data(HR, "p-1", "p-1")
    assert not sees_own_data(PRIVACY, "p-hr", "p-1")
    assert not sees_own_data(PRIVACY, None, "p-1")
