"""Builders for every service's tests: a test service's wiring, a client calling it from another
address, and events as other services publish them (a library idea, its review decision, a
person from HR, a person's erasure; any field overridden by keyword)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from ideapaja_contracts.events.hr import PersonUpserted
from ideapaja_contracts.events.idea import IdeaSubmitted, Scope
from ideapaja_contracts.events.privacy import ErasureBasis, ErasureRequested
from ideapaja_contracts.events.review import Decision, ReviewDecided

if TYPE_CHECKING:
    from httpx import AsyncClient

    from ideapaja_runtime.testing import DevKeys, RunningService


def wiring(nats_url: str, database_url: str, dev_keys: DevKeys) -> dict[str, Any]:
    """The settings that connect a test service: its NATS server, its database and the key its
    dev tokens are checked with."""
    return {
        "nats_url": nats_url,
        "database_url": database_url,
        "auth_public_key": dev_keys.public_pem,
    }


@asynccontextmanager
async def peer(running: RunningService, host: str) -> AsyncIterator[AsyncClient]:
    """A client of the running service whose connection comes from ``host`` (per-IP limits,
    trusted proxies)."""
    from httpx import ASGITransport, AsyncClient

    transport = ASGITransport(app=running.app, client=(host, 51000))
    async with AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


def idea_submitted(idea_id: str | None = None, **changes: Any) -> IdeaSubmitted:
    """An employee's idea for the library unit (a fresh id unless given); ``changes`` override
    any field."""
    fields: dict[str, Any] = {
        "idea_id": idea_id or f"i-{uuid.uuid4().hex[:10]}",
        "title": "Omatoimikirjasto iltaisin",
        "problem": "Asiakkaat eivät ehdi kirjastoon aukioloaikoina.",
        "solution": "Avataan omatoimikirjasto arki-iltoina.",
        "scope": Scope.UNIT,
        "unit_id": "u-kirjasto",
        "author_ids": ["p-1001"],
        "author_ref": "a-x1",
    }
    return IdeaSubmitted(**{**fields, **changes})


def review_decided(
    idea_id: str, decision: Decision = Decision.ACCEPTED, **changes: Any
) -> ReviewDecided:
    """Review's decision on ``idea_id`` (case ``c-<idea_id>``); ``changes`` override any field."""
    fields: dict[str, Any] = {
        "case_id": f"c-{idea_id}",
        "idea_id": idea_id,
        "decision": decision,
        "rationale": "Hyvä ja edullinen idea.",
        "decided_by": "p-2001",
        "scope": Scope.UNIT,
        "unit_id": "u-kirjasto",
    }
    return ReviewDecided(**{**fields, **changes})


def erasure_requested(person_id: str, **changes: Any) -> ErasureRequested:
    """HR's erasure of ``person_id`` on the person's request (erasure ``er-<person_id>``);
    ``changes`` override any field."""
    fields: dict[str, Any] = {
        "erasure_id": f"er-{person_id}",
        "person_id": person_id,
        "requested_by": "p-hr",
        "reason": "Tietosuojapyyntö TS-1",
        "basis": ErasureBasis.REQUEST,
    }
    return ErasureRequested(**{**fields, **changes})


def person_upserted(person_id: str, unit_id: str, **changes: Any) -> PersonUpserted:
    """A person as HR sends them: an employee of ``unit_id`` with a name and an address."""
    fields: dict[str, Any] = {
        "person_id": person_id,
        "unit_id": unit_id,
        "display_name": f"Person {person_id}",
        "email": f"{person_id}@example.org",
    }
    return PersonUpserted.model_validate(fields | changes)
