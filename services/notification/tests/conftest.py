from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

# Helpers live beside the tests (pytest runs in importlib mode, which adds no paths).
sys.path.insert(0, str(Path(__file__).parent))
from notification_testkit import MailServer, migrated_database

from ideapaja_runtime.db import Database


@pytest.fixture
async def notification_db(database_url: str) -> AsyncIterator[Database]:
    """The notification schema on a fresh SQLite / PostgreSQL database."""
    async with migrated_database(database_url) as db:
        yield db


@pytest.fixture
async def sqlite_notification_db(sqlite_url: str) -> AsyncIterator[Database]:
    async with migrated_database(sqlite_url) as db:
        yield db


@pytest.fixture
def mail_server() -> Iterator[MailServer]:
    """A real SMTP server, not started yet (tests decide when it is up)."""
    server = MailServer()
    yield server
    server.stop()
