from __future__ import annotations

import shutil
import sys
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

# Helper modules beside the tests (pytest runs in importlib mode, which adds no paths).
sys.path.insert(0, str(Path(__file__).parent))

from review_testkit import (
    WORKFLOW_ORG,
    FakeClock,
    Headers,
    handler_delivery,
    idea,
    review_settings,
)

from ideapaja_review.app import service
from ideapaja_runtime.db import Database
from ideapaja_runtime.testing import (
    DevKeys,
    NatsServer,
    RunningService,
    running_service,
    schema_fixtures,
)

# The review schema: ``db`` on SQLite and PostgreSQL, ``sqlite_db`` on SQLite only.
db, sqlite_db = schema_fixtures("db", service.migrations)


@pytest.fixture(scope="module")
async def api(request: pytest.FixtureRequest, dev_keys: DevKeys) -> AsyncIterator[RunningService]:
    """One service per test module (SQLite; every test makes its own cases), its org loaded: the
    module's ``ORG_EVENTS`` where it names one, else ``WORKFLOW_ORG``."""
    server = NatsServer()
    server.start()
    workdir = Path(tempfile.mkdtemp(prefix="review-api-"))
    settings = review_settings(
        nats_url=server.url,
        database_url=f"sqlite+aiosqlite:///{workdir / 'review.db'}",
        auth_public_key=dev_keys.public_pem,
        deadline_sweep_seconds=0,
    )
    try:
        async with running_service(service, settings) as running:
            await handler_delivery(running).all(getattr(request.module, "ORG_EVENTS", WORKFLOW_ORG))
            yield running
    finally:
        server.cleanup()
        shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture
def clock(api: RunningService) -> FakeClock:
    """The running service's clock, now, for this test only."""
    fake = FakeClock()
    api.runtime.clock = fake
    return fake


@pytest.fixture
def client(api: RunningService) -> Any:
    return api.client


_TOKENS: dict[tuple[str, ...], Headers] = {}


@pytest.fixture
def as_(dev_keys: DevKeys) -> Callable[..., Headers]:
    """Headers for a caller: as_("p-ca-kirjasto", "change_agent")."""

    def headers(person_id: str, *roles: str, units: tuple[str, ...] = ()) -> Headers:
        key = (person_id, *roles, "|", *units)
        if key not in _TOKENS:
            _TOKENS[key] = dev_keys.headers(person_id, *roles, units=list(units))
        return _TOKENS[key]

    return headers


@pytest.fixture
def new_case(
    api: RunningService, clock: FakeClock, as_: Callable[..., Headers]
) -> Callable[..., Awaitable[dict[str, Any]]]:
    """Submit an idea through the handler and return its case as an admin sees it."""

    async def make(**idea_args: Any) -> dict[str, Any]:
        submitted = idea(**idea_args)
        await handler_delivery(api).all([submitted])
        response = await api.client.get(
            f"/cases/by-idea/{submitted.idea_id}", headers=as_("p-admin", "admin")
        )
        assert response.status_code == 200, response.text
        return dict(response.json())

    return make


@pytest.fixture
async def two_replicas(database_url: str) -> AsyncIterator[tuple[Database, Database]]:
    """Two replicas' connections to one migrated database (on SQLite and PostgreSQL), for
    sweeps racing each other."""
    first, second = Database(database_url), Database(database_url)
    await first.migrate(service.migrations)
    try:
        yield first, second
    finally:
        await first.dispose()
        await second.dispose()
