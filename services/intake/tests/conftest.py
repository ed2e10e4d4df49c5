from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

# Test helpers live beside the tests (pytest runs in importlib mode, which adds no paths).
sys.path.insert(0, str(Path(__file__).parent))
from intake_testkit import SettingsFor, intake_settings, running_intake, running_org

from ideapaja_intake.settings import IntakeSettings
from ideapaja_runtime.testing import DevKeys, RunningService


@pytest.fixture
def settings_for(nats_url: str, dev_keys: DevKeys) -> SettingsFor:
    """Settings for a database: fast retries, this test's NATS server, the test token key."""

    def make(database_url: str, **overrides: Any) -> IntakeSettings:
        return intake_settings(nats_url, database_url, dev_keys, **overrides)

    return make


@pytest.fixture
async def intake(settings_for: SettingsFor, sqlite_url: str) -> AsyncIterator[RunningService]:
    """The running service on SQLite, with the demo units known."""
    async with running_intake(settings_for(sqlite_url)) as running:
        yield running


@pytest.fixture
async def org(settings_for: SettingsFor, sqlite_url: str) -> AsyncIterator[RunningService]:
    """The running service on SQLite, with units (library, museum) and people known."""
    async with running_org(settings_for(sqlite_url)) as running:
        yield running


@pytest.fixture
async def org_any_db(settings_for: SettingsFor, database_url: str) -> AsyncIterator[RunningService]:
    """The same on SQLite and on PostgreSQL."""
    async with running_org(settings_for(database_url)) as running:
        yield running


@pytest.fixture
async def intake_any_db(
    settings_for: SettingsFor, database_url: str
) -> AsyncIterator[RunningService]:
    """The running service on SQLite and on PostgreSQL, with the demo units known."""
    async with running_intake(settings_for(database_url)) as running:
        yield running
