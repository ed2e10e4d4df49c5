from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

# Test helpers live beside the tests (pytest runs in importlib mode, which adds no paths).
sys.path.insert(0, str(Path(__file__).parent))
from runtime_sample_service import Behaviour, build
from runtime_testkit import fast_settings, make_idea, notes_metadata

from ideapaja_contracts.events.idea import IdeaSubmitted
from ideapaja_runtime.db import Database
from ideapaja_runtime.service import Runtime


@pytest.fixture
def behaviour() -> Behaviour:
    return Behaviour()


@pytest.fixture
async def sample_runtime(
    behaviour: Behaviour, nats_url: str, database_url: str
) -> AsyncIterator[Runtime]:
    spec = build(behaviour)
    runtime = Runtime(spec, fast_settings(nats_url=nats_url, database_url=database_url))
    await runtime.start()
    try:
        yield runtime
    finally:
        await runtime.stop()


@pytest.fixture
def idea_factory() -> Callable[..., IdeaSubmitted]:
    return make_idea


@pytest.fixture
async def notes_db(database_url: str) -> AsyncIterator[Database]:
    """A database with the ``notes`` table of runtime_testkit (for transaction tests)."""
    database = Database(database_url)
    async with database.engine.begin() as conn:
        await conn.run_sync(notes_metadata.create_all)
    yield database
    await database.dispose()
