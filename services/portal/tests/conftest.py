from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

# Test helpers live beside the tests (pytest runs in importlib mode, which adds no paths).
sys.path.insert(0, str(Path(__file__).parent))

from portal_reward_city import city  # noqa: F401 - the real reward service, for the reward pages

from ideapaja_portal.app import service
from ideapaja_portal.settings import PortalSettings
from ideapaja_runtime.testing import DevKeys, RunningService, fast_test_settings, running_service
from ideapaja_runtime.testing_builders import wiring


def portal_settings(**overrides: Any) -> PortalSettings:
    return PortalSettings(**fast_test_settings(**overrides))


@pytest.fixture
async def portal(
    nats_url: str, sqlite_url: str, dev_keys: DevKeys
) -> AsyncIterator[RunningService]:
    """The portal on its own: no identity provider and no services to call."""
    settings = portal_settings(**wiring(nats_url, sqlite_url, dev_keys))
    async with running_service(service, settings) as running:
        yield running
