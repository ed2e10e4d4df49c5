"""The workflow on a real NATS server with SQLite and PostgreSQL: intake's and HR's events in,
review's own events out (each once), and the periodic deadline sweep with a controlled clock
surviving a restart without escalating twice."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any

import pytest
from nats.js import JetStreamContext
from review_testkit import (
    FakeClock,
    drained,
    idea,
    load_org,
    ok,
    publish,
    settings_for,
    stream_events,
)
from sqlalchemy import select

from ideapaja_contracts.events.idea import IdeaUpdated, IdeaWithdrawn
from ideapaja_review.app import service
from ideapaja_review.db.models import CaseRow
from ideapaja_review.settings import ReviewSettings
from ideapaja_review.usecases.deadline_sweep import Swept, run_deadline_sweep
from ideapaja_runtime.testing import DevKeys, RunningService, eventually, running_service


async def case_for(running: RunningService, idea_id: str) -> CaseRow | None:
    async with running.runtime.db.transaction() as session:
        found: CaseRow | None = await session.scalar(
            select(CaseRow).where(CaseRow.idea_id == idea_id)
        )
        return found


@pytest.fixture
def sweeping(nats_url: str, database_url: str, dev_keys: DevKeys) -> ReviewSettings:
    """Settings whose periodic deadline sweep runs every tenth of a second."""
    return settings_for(nats_url, database_url, dev_keys, deadline_sweep_seconds=0.1)


@asynccontextmanager
async def on_clock(settings: ReviewSettings, clock: FakeClock) -> AsyncIterator[RunningService]:
    """The service (one replica's run of it) on the controlled clock, which its periodic
    deadline sweep reads."""
    async with running_service(service, settings) as running:
        running.runtime.clock = clock
        yield running


async def open_case(js: JetStreamContext, running: RunningService, idea_id: str) -> None:
    """The org loaded and the idea submitted; its case is open and every event handled."""
    await load_org(js, running)
    await publish(js, idea(idea_id))
    await eventually(lambda: case_for(running, idea_id))
    await eventually(lambda: drained(running))


async def test_intake_and_hr_events_in_and_every_review_event_out_once(
    nats_url: str, database_url: str, js: JetStreamContext, dev_keys: DevKeys
) -> None:
    ca = dev_keys.headers("p-ca-kirjasto", "change_agent")
    author = dev_keys.headers("p-author", "employee")
    async with running_service(service, settings_for(nats_url, database_url, dev_keys)) as running:
        client = running.client
        await load_org(js, running)
        await publish(js, idea("i-flow"))
        await publish(js, idea("i-gone"))
        case = await eventually(lambda: case_for(running, "i-flow"))
        await eventually(lambda: case_for(running, "i-gone"))
        case_id = case.case_id

        # Intake: an edit and a withdrawal arrive over NATS.
        await publish(
            js,
            IdeaUpdated(
                idea_id="i-flow",
                revision=2,
                title="Omatoimikirjasto iltaisin ja viikonloppuisin",
                problem="p",
                solution="s",
                edited_by="p-author",
            ),
        )
        await publish(js, IdeaWithdrawn(idea_id="i-gone", withdrawn_by="p-author"))

        async def edited_and_withdrawn() -> bool:
            flow, gone = await case_for(running, "i-flow"), await case_for(running, "i-gone")
            return bool(flow and flow.content_revision == 2 and gone and gone.state == "withdrawn")

        await eventually(edited_and_withdrawn)

        # The whole road, through the API.
        path = f"/cases/{case_id}"
        ok(
            await client.post(
                f"{path}/decision",
                json={"decision": "needs_info", "rationale": "Kuinka paljon?"},
                headers=ca,
            )
        )
        ok(await client.post("/ideas/i-flow/answer", json={"answer": "Vähän."}, headers=author))
        ok(await client.post(f"{path}/accept-for-review", json={}, headers=ca))
        ok(
            await client.post(
                f"{path}/decision", json={"decision": "accepted", "rationale": "Hyvä."}, headers=ca
            )
        )
        experiment = ok(
            await client.post(
                f"{path}/experiments",
                json={
                    "pilot_unit_ids": ["u-kirjasto"],
                    "hypothesis": "Lainat lisääntyvät.",
                    "measure": "Lainat viikossa",
                    "starts_on": "2025-02-01",
                    "ends_on": "2025-03-31",
                },
                headers=ca,
            ),
            201,
        )
        ok(
            await client.post(
                f"{path}/experiments/{experiment['id']}/completion",
                json={"result": "Kasvoi.", "outcome": "scale", "lesson": "Toimii."},
                headers=ca,
            )
        )
        ok(
            await client.post(
                f"{path}/implementation", json={"owner_id": "p-ca-kirjasto"}, headers=ca
            ),
            201,
        )
        ok(
            await client.post(
                f"{path}/implementation/completion",
                json={"realised_benefit": "Paljon."},
                headers=ca,
            )
        )
        practice = ok(
            await client.post(f"{path}/practice", json={"title": "T", "summary": "S"}, headers=ca),
            201,
        )
        ok(
            await client.post(
                f"/practices/{practice['id']}/adoptions",
                json={"unit_id": "u-koulu"},
                headers=dev_keys.headers("p-ca-koulu", "change_agent"),
            ),
            201,
        )
        await eventually(lambda: drained(running))

        expected = {
            "ideapaja.review.screening_started.v1": 2,
            "ideapaja.review.decided.v1": 2,
            "ideapaja.review.info_requested.v1": 1,
            "ideapaja.review.info_provided.v1": 1,
            "ideapaja.review.review_started.v1": 1,
            "ideapaja.experiment.started.v1": 1,
            "ideapaja.experiment.completed.v1": 1,
            "ideapaja.implementation.progressed.v1": 1,
            "ideapaja.implementation.completed.v1": 1,
            "ideapaja.practice.published.v1": 1,
            "ideapaja.practice.adopted.v1": 1,
        }
        found = {subject: len(await stream_events(js, subject)) for subject in expected}
        assert found == expected
        [completed] = await stream_events(js, "ideapaja.implementation.completed.v1")
        assert (completed["idea_id"], completed["owner_id"]) == ("i-flow", "p-ca-kirjasto")


async def test_the_periodic_sweep_escalates_on_the_services_clock_once_across_a_restart(
    js: JetStreamContext, sweeping: ReviewSettings
) -> None:
    clock = FakeClock()
    async with on_clock(sweeping, clock) as running:
        await open_case(js, running, "i-late")
        # Nothing is due yet: several sweeps pass without an escalation.
        assert await stream_events(js, "ideapaja.review.escalated.v1") == []

        clock.advance(days=15)
        [escalated] = await eventually(lambda: stream_events(js, "ideapaja.review.escalated.v1"))
        assert (escalated["idea_id"], escalated["level"], escalated["escalated_to"]) == (
            "i-late",
            1,
            "department",
        )

    # The next replica starts at the same moment: the step was escalated to this level already.
    async with on_clock(sweeping, clock) as running:
        case = await case_for(running, "i-late")
        assert case is not None and case.escalation_level == 1
        # Sweeping again at the same (controlled) moment escalates nothing.
        assert await run_deadline_sweep(running.runtime) == Swept()
        assert await run_deadline_sweep(running.runtime) == Swept()
        await eventually(lambda: drained(running))
        assert len(await stream_events(js, "ideapaja.review.escalated.v1")) == 1

        clock.advance(days=8)

        async def second_level() -> list[dict[str, Any]] | None:
            events = await stream_events(js, "ideapaja.review.escalated.v1")
            return events if len(events) == 2 else None

        events = await eventually(second_level)
        assert [e["escalated_to"] for e in events] == ["department", "committee"]
        assert events[1]["next_due_at"] is not None
        # Each level gets escalation_days from when it was escalated.
        gap = _iso(events[1]["next_due_at"]) - _iso(events[0]["next_due_at"])
        assert abs(gap - timedelta(days=8)) < timedelta(seconds=1)


def _iso(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


NEAR = "ideapaja.review.deadline_near.v1"


async def test_the_periodic_sweep_reminds_of_a_deadline_near_once_across_a_restart(
    js: JetStreamContext, sweeping: ReviewSettings
) -> None:
    clock = FakeClock()
    async with on_clock(sweeping, clock) as running:
        await open_case(js, running, "i-soon")
        assert await stream_events(js, NEAR) == []

        # Screening is due in 14 days: 12 hours before, its reviewers are reminded.
        clock.advance(days=13, hours=12)
        [near] = await eventually(lambda: stream_events(js, NEAR))
        assert (near["idea_id"], near["step"], near["level"]) == ("i-soon", "screening", 0)
        assert near["reviewer_ids"] == ["p-ca-kirjasto", "p-sup-kirjasto"]

    async with on_clock(sweeping, clock) as running:
        # The next replica sweeps at the same moment: the step was reminded of already.
        assert await run_deadline_sweep(running.runtime) == Swept()
        await eventually(lambda: drained(running))
        assert len(await stream_events(js, NEAR)) == 1
