"""Erasures: one per person and employment.

A person has a round counter: the first erasure is round 1. Should HR send the person again after
their erasure (re-hired), a later erasure is round 2, and so on. Within a round an erasure is
requested once: a second request returns the first. The erasure id follows from (person, round),
so replicas that race to request the same erasure produce the same event id, which JetStream and
every consumer's inbox recognise.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

# Fixed forever: erasure ids of past rounds must stay what they were.
_ERASURE_NAMESPACE = uuid.UUID("1d6f5a8e-4c1b-5e3a-8f0d-7b2e9c4a6d10")
# ``requested_by`` of erasures the retention sweep requests: the service itself.
RETENTION_ACTOR = "privacy"


class AuditAction(StrEnum):
    ERASURE_REQUESTED = "erasure.requested"
    ERASURE_REQUEST_REPEATED = "erasure.request_repeated"
    HR_RECORD_DELETED = "erasure.hr_record_deleted"
    DEAD_LETTERS_DELETED = "erasure.dead_letters_deleted"
    REPORT_VIEWED = "report.viewed"


def erasure_id(person_id: str, round_: int) -> str:
    return "er-" + uuid.uuid5(_ERASURE_NAMESPACE, f"{person_id}\n{round_}").hex[:32]


def returned_after_erasure(erasure_requested_at: datetime | None, hr_upsert_at: datetime) -> bool:
    """HR describes the person again, after their erasure was requested: a new employment, whose
    data a later erasure must cover again (an upsert sent before the erasure is just late)."""
    return erasure_requested_at is not None and hr_upsert_at > erasure_requested_at
