"""Events as other services publish them, for every service's tests: a library idea and its
review decision, with any field overridden by keyword."""

from __future__ import annotations

import uuid
from typing import Any

from ideapaja_contracts.events.idea import IdeaSubmitted, Scope
from ideapaja_contracts.events.review import Decision, ReviewDecided


def idea_submitted(idea_id: str | None = None, **changes: Any) -> IdeaSubmitted:
    """An employee's idea for the library unit (a fresh id unless given); ``changes`` override
    any field."""
    fields: dict[str, Any] = {
        "idea_id": idea_id or f"i-{uuid.uuid4().hex[:10]}",
        "title": "Omatoimikirjasto iltaisin",
        "problem": "Asiakkaat eivät ehdi kirjastoon aukioloaikoina.",
        "solution": "Avataan omatoimikirjasto arki-iltoina.",
        "scope": Scope.UNIT,
        "unit_id": "u-kirjasto",
        "author_ids": ["p-1001"],
        "author_ref": "a-x1",
    }
    return IdeaSubmitted(**{**fields, **changes})


def review_decided(
    idea_id: str, decision: Decision = Decision.ACCEPTED, **changes: Any
) -> ReviewDecided:
    """Review's decision on ``idea_id`` (case ``c-<idea_id>``); ``changes`` override any field."""
    fields: dict[str, Any] = {
        "case_id": f"c-{idea_id}",
        "idea_id": idea_id,
        "decision": decision,
        "rationale": "Hyvä ja edullinen idea.",
        "decided_by": "p-2001",
        "scope": Scope.UNIT,
        "unit_id": "u-kirjasto",
    }
    return ReviewDecided(**{**fields, **changes})
