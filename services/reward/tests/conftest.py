from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

# Helpers live beside the tests (pytest runs in importlib mode, which adds no paths).
sys.path.insert(0, str(Path(__file__).parent))
from activity_testkit import seeded_city

from ideapaja_reward.app import service
from ideapaja_runtime.testing import DevKeys, RunningService, schema_fixtures

reward_db, sqlite_reward_db = schema_fixtures("reward_db", service.migrations)


@pytest.fixture
async def city(
    nats_url: str, database_url: str, dev_keys: DevKeys
) -> AsyncIterator[RunningService]:
    """The reward service on SQLite and PostgreSQL, seeded with activity_testkit's city."""
    async with seeded_city(nats_url, database_url, dev_keys) as running:
        yield running
