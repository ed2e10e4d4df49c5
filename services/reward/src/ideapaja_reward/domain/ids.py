"""Deterministic ids: the same source of an award always yields the same ledger entry and grant.

The source is the idea, who earns (a person, or ``unit:<unit_id>``), the rule and, for rules
that pay per event, what made this one (the supporter, the answering comment, the adopting
unit). A re-published or replayed event therefore recreates the very same key and ids, which
the database's unique keys, JetStream's duplicate window (the ids double as event ids) and HR's
own dedupe all recognise: the reward is granted once however often the cause arrives.
"""

from __future__ import annotations

import hashlib

# 24 hex digits = 96 bits: collisions are not a practical concern for a city's ideas.
_DIGEST_LENGTH = 24


def unit_holder(unit_id: str) -> str:
    """Who earns, in a source key, when a unit does."""
    return f"unit:{unit_id}"


def source_key(idea_id: str, holder: str, rule: str, detail: str | None = None) -> str:
    """``idea|holder|rule`` (``|detail`` for a rule paid per event): unique in the ledger."""
    key = f"{idea_id}|{holder}|{rule}"
    return key if detail is None else f"{key}|{detail}"


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:_DIGEST_LENGTH]


def entry_id(idea_id: str, holder: str, rule: str, detail: str | None = None) -> str:
    """The points-ledger entry id for ``holder``'s ``rule`` award on ``idea_id``."""
    return "pe-" + _digest(source_key(idea_id, holder, rule, detail))


def grant_id(idea_id: str, person_id: str, rule: str, detail: str | None = None) -> str:
    """The grant id HR/payroll sees for ``person_id``'s ``rule`` award on ``idea_id``."""
    return "g-" + _digest(source_key(idea_id, person_id, rule, detail))
