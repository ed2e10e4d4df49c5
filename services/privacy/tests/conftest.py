from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

# Helpers live beside the tests (pytest runs in importlib mode, which adds no paths).
sys.path.insert(0, str(Path(__file__).parent))
from privacy_testkit import migrated_database

from ideapaja_runtime.db import Database


@pytest.fixture
async def privacy_db(database_url: str) -> AsyncIterator[Database]:
    """The privacy service's schema on a fresh SQLite / PostgreSQL database."""
    async with migrated_database(database_url) as db:
        yield db


@pytest.fixture
async def sqlite_privacy_db(sqlite_url: str) -> AsyncIterator[Database]:
    async with migrated_database(sqlite_url) as db:
        yield db
