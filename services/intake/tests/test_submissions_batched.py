"""Submissions that arrive together are written together (group commit), and every request
still gets exactly the answer it would get alone: its idea, its 422 or its 429."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from intake_testkit import (
    AUTHOR,
    SettingsFor,
    count_rows,
    idea_payload,
    outbox_events,
    running_intake,
)

from ideapaja_intake.db.models import Idea, IdeaAuthor, IdeaStatusChange, IdeaVersion
from ideapaja_intake.usecases.submissions import submission_writer
from ideapaja_runtime.testing import DevKeys, RunningService

COLLEAGUE = "p-1002"


@pytest.fixture
async def limited(settings_for: SettingsFor, database_url: str) -> AsyncIterator[RunningService]:
    """Three submissions per person per hour; units and people known."""
    settings = settings_for(database_url, submissions_per_hour=3)
    async with running_intake(settings, people=True) as running:
        yield running


async def test_a_burst_of_submissions_gets_every_answer_right(
    limited: RunningService, dev_keys: DevKeys
) -> None:
    requests: list[tuple[str, dict[str, Any]]] = [
        *[(AUTHOR, idea_payload(title=f"Idea {n} of the author")) for n in range(5)],
        *[(COLLEAGUE, idea_payload(title=f"Idea {n} of a colleague")) for n in range(3)],
        (COLLEAGUE, idea_payload(unit_id="u-nowhere")),
        (AUTHOR, idea_payload(co_author_ids=["p-unknown"])),
    ]
    responses = await asyncio.gather(
        *(
            limited.client.post("/ideas", json=body, headers=dev_keys.headers(person, "employee"))
            for person, body in requests
        )
    )
    statuses = [r.status_code for r in responses]
    # The author's five: three fit the limit, two get 429 (in arrival order within a batch).
    assert sorted(statuses[:5]) == [201, 201, 201, 429, 429]
    assert statuses[5:8] == [201, 201, 201]
    # Refused for their references, not counted against the limit.
    assert statuses[8] == 422 and "unit_id" in responses[8].text
    assert statuses[9] == 422 and "co_author_ids" in responses[9].text
    for refused in [r for r in responses if r.status_code == 429]:
        assert refused.headers["content-type"] == "application/problem+json"
        assert int(refused.headers["Retry-After"]) >= 1

    created = [r.json() for r in responses if r.status_code == 201]
    assert len({idea["id"] for idea in created}) == 6
    for response in responses[:8]:
        if response.status_code == 201:
            assert response.headers["Location"] == f"/ideas/{response.json()['id']}"
            assert response.json()["history"][0]["kind"] == "submitted"
    # Exactly the accepted ones are stored, each with its rows and its one event.
    assert await count_rows(limited.runtime, Idea) == 6
    assert await count_rows(limited.runtime, IdeaAuthor) == 6
    assert await count_rows(limited.runtime, IdeaStatusChange) == 6
    assert await count_rows(limited.runtime, IdeaVersion) == 6
    events = await outbox_events(limited.runtime, "idea.submitted")
    assert sorted(e["idea_id"] for e in events) == sorted(i["id"] for i in created)

    writer = submission_writer(limited.runtime)
    assert writer.items == 10
    assert writer.batches < writer.items, "concurrent submissions were not batched"

    # Stored as answered: each idea reads back as its 201 said.
    for idea in created:
        read = await limited.client.get(
            f"/ideas/{idea['id']}", headers=dev_keys.headers(AUTHOR, "admin")
        )
        assert read.status_code == 200
        assert read.json()["title"] == idea["title"]
        assert read.json()["author_ref"] == idea["author_ref"]
