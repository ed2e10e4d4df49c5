from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

# Helpers live beside the tests (pytest runs in importlib mode, which adds no paths).
sys.path.insert(0, str(Path(__file__).parent))
from notification_testkit import MailServer, StartService, service_settings

from ideapaja_notification.app import service
from ideapaja_runtime.testing import DevKeys, RunningService, running_service, schema_fixtures
from ideapaja_runtime.testing_builders import wiring

notification_db, sqlite_notification_db = schema_fixtures("notification_db", service.migrations)


@pytest.fixture
def mail_server() -> Iterator[MailServer]:
    """A real SMTP server, not started yet (tests decide when it is up)."""
    server = MailServer()
    yield server
    server.stop()


@pytest.fixture
def start_service(
    sqlite_url: str, nats_url: str, dev_keys: DevKeys, mail_server: MailServer
) -> StartService:
    """Starts the service on SQLite for its HTTP API, mailing to ``mail_server`` (up or not),
    with the settings given overriding the tests' own."""

    @asynccontextmanager
    async def start(**overrides: Any) -> AsyncIterator[RunningService]:
        settings = service_settings(
            **wiring(nats_url, sqlite_url, dev_keys), smtp_port=mail_server.port, **overrides
        )
        async with running_service(service, settings) as running:
            yield running

    return start
