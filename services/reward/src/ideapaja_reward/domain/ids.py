"""Deterministic ids: the same (idea, person, rule) always yields the same ledger entry and grant.

A re-published or replayed event therefore recreates the very same ids, which the database's
unique keys, JetStream's duplicate window (the ids double as event ids) and HR's own dedupe all
recognise — the reward is granted once however often the cause arrives.
"""

from __future__ import annotations

import hashlib

# 24 hex digits = 96 bits: collisions are not a practical concern for a city's ideas.
_DIGEST_LENGTH = 24


def _digest(idea_id: str, person_id: str, rule: str) -> str:
    key = f"{idea_id}|{person_id}|{rule}".encode()
    return hashlib.sha256(key).hexdigest()[:_DIGEST_LENGTH]


def entry_id(idea_id: str, person_id: str, rule: str) -> str:
    """The points-ledger entry id for ``person_id``'s ``rule`` award on ``idea_id``."""
    return "pe-" + _digest(idea_id, person_id, rule)


def grant_id(idea_id: str, person_id: str, rule: str) -> str:
    """The grant id HR/payroll sees for ``person_id``'s ``rule`` award on ``idea_id``."""
    return "g-" + _digest(idea_id, person_id, rule)
