from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

# Helpers live beside the tests (pytest runs in importlib mode, which adds no paths).
sys.path.insert(0, str(Path(__file__).parent))
from notification_testkit import MailServer

from ideapaja_notification.app import service
from ideapaja_runtime.testing import schema_fixtures

notification_db, sqlite_notification_db = schema_fixtures("notification_db", service.migrations)


@pytest.fixture
def mail_server() -> Iterator[MailServer]:
    """A real SMTP server, not started yet (tests decide when it is up)."""
    server = MailServer()
    yield server
    server.stop()
