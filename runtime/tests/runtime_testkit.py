"""Builders shared by the runtime tests."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, Integer, MetaData, String, Table

from ideapaja_contracts.events.idea import IdeaSubmitted
from ideapaja_runtime.settings import ServiceSettings
from ideapaja_runtime.testing import eventually, fast_test_settings
from ideapaja_runtime.testing_builders import idea_submitted

__all__ = ["eventually", "fast_settings", "make_idea", "notes", "notes_metadata"]

# A table of the transaction tests' own (group commit, run_transaction): see conftest notes_db.
notes_metadata = MetaData()
notes = Table(
    "notes", notes_metadata, Column("id", Integer, primary_key=True), Column("text", String)
)


def make_idea(idea_id: str | None = None) -> IdeaSubmitted:
    return idea_submitted(idea_id)


def fast_settings(**overrides: Any) -> ServiceSettings:
    """The shared quick test settings, with even shorter retries: the runtime's own tests wait
    out whole redelivery budgets."""
    values: dict[str, Any] = {
        "redelivery_backoff": [0.1, 0.1, 0.1],
        "retry_later_max_deliver": 6,
        "retry_later_delay_seconds": 0.1,
        **overrides,
    }
    return ServiceSettings(**fast_test_settings(**values))
