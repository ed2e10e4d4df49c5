from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

# Helpers live beside the tests (pytest runs in importlib mode, which adds no paths).
sys.path.insert(0, str(Path(__file__).parent))
from ideapaja_privacy.app import service
from ideapaja_runtime.db import Database
from ideapaja_runtime.testing import migrated_database


@pytest.fixture
async def privacy_db(database_url: str) -> AsyncIterator[Database]:
    """The privacy service's schema on a fresh SQLite / PostgreSQL database."""
    async with migrated_database(database_url, service.migrations) as db:
        yield db


@pytest.fixture
async def sqlite_privacy_db(sqlite_url: str) -> AsyncIterator[Database]:
    async with migrated_database(sqlite_url, service.migrations) as db:
        yield db
