"""Who may publish which events: the one place that says which service owns each aggregate.

Every event is published by exactly one owner, the service whose state it describes. The NATS
permissions of each service user (``ideapaja_runtime.nats_permissions``) are derived from this
table, so a service cannot publish another service's events even by mistake or when compromised.

A new aggregate (a new event class in ``ideapaja_contracts.registry``) needs an owner here;
``contracts/tests/test_ownership.py`` fails until it has one.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from ideapaja_contracts.base import SUBJECT_ROOT
from ideapaja_contracts.registry import ALL_EVENTS

# The adapter that brings the city's HR data in (``ideapaja hr import`` in the embedded runner).
HR_ADAPTER = "hr-adapter"

# aggregate → the one publisher of its events
OWNERS: Mapping[str, str] = MappingProxyType(
    {
        "idea": "intake",
        "review": "review",
        "committee": "review",
        "experiment": "review",
        "implementation": "review",
        "practice": "review",
        "reward": "reward",
        "notification": "notification",
        # Erasure of a person (GDPR); its owner may also delete HR records (nats_permissions).
        "privacy": "privacy",
        "unit": HR_ADAPTER,
        "person": HR_ADAPTER,
    }
)


def aggregates() -> dict[str, str]:
    """Every registered aggregate with its subject root (``ideapaja`` or ``hr``)."""
    found: dict[str, str] = {}
    for cls in ALL_EVENTS:
        root = found.setdefault(cls.aggregate, cls.subject_root)
        if root != cls.subject_root:
            raise ValueError(
                f"aggregate {cls.aggregate!r} is published under two roots: {root}, "
                f"{cls.subject_root}"
            )
    return found


def owner(aggregate: str) -> str:
    """The publisher of ``aggregate``'s events (``KeyError`` when it has none)."""
    return OWNERS[aggregate]


def owned_aggregates(service: str) -> list[str]:
    """The registered aggregates ``service`` publishes (empty for a consumer-only service)."""
    return sorted(a for a in aggregates() if OWNERS.get(a) == service)


def owners() -> list[str]:
    """Every publisher named in the table, services and the HR adapter."""
    return sorted(set(OWNERS.values()))


def publish_subjects(service: str) -> list[str]:
    """Subject patterns ``service`` may publish on.

    ``ideapaja.<aggregate>.>`` for each lifecycle aggregate it owns; for HR-sourced aggregates
    (one subject per record, ``hr.person.<id>``) their whole root, ``hr.>``.
    """
    subjects: list[str] = []
    for aggregate, root in sorted(aggregates().items()):
        if OWNERS.get(aggregate) != service:
            continue
        pattern = f"{root}.{aggregate}.>" if root == SUBJECT_ROOT else f"{root}.>"
        if pattern not in subjects:
            subjects.append(pattern)
    return subjects
