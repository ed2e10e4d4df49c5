from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

# Helpers live beside the tests (pytest runs in importlib mode, which adds no paths).
sys.path.insert(0, str(Path(__file__).parent))
from notification_testkit import MailServer

from ideapaja_notification.app import service
from ideapaja_runtime.db import Database
from ideapaja_runtime.testing import migrated_database


@pytest.fixture
async def notification_db(database_url: str) -> AsyncIterator[Database]:
    """The notification schema on a fresh SQLite / PostgreSQL database."""
    async with migrated_database(database_url, service.migrations) as db:
        yield db


@pytest.fixture
async def sqlite_notification_db(sqlite_url: str) -> AsyncIterator[Database]:
    async with migrated_database(sqlite_url, service.migrations) as db:
        yield db


@pytest.fixture
def mail_server() -> Iterator[MailServer]:
    """A real SMTP server, not started yet (tests decide when it is up)."""
    server = MailServer()
    yield server
    server.stop()
