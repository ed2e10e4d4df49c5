"""The reward flow on a real NATS server and real databases, read back as HR would."""

from __future__ import annotations

import json

from nats.js import JetStreamContext
from reward_testkit import (
    dead_letter_count,
    decided,
    granted_on_stream,
    ledger_entries,
    new_idea_id,
    publish,
    reward_settings,
    settled,
    submitted,
)

from ideapaja_contracts import encode
from ideapaja_contracts.events.idea import IdeaSubmitted
from ideapaja_reward.app import service
from ideapaja_reward.domain import grant_id
from ideapaja_runtime.testing import eventually, running_service

GRANTED = "ideapaja.reward.granted.v1"


async def test_hr_receives_the_grant_for_an_accepted_idea(
    nats_url: str, database_url: str, js: JetStreamContext
) -> None:
    settings = reward_settings(nats_url=nats_url, database_url=database_url)
    async with running_service(service, settings) as running:
        # HR/payroll: a plain durable pull consumer that knows nothing of Ideapaja's code.
        hr = await js.pull_subscribe(
            GRANTED, durable="hr-payroll", stream=settings.lifecycle_stream
        )
        idea = submitted(authors=["p-1001"])
        await publish(js, idea)
        await publish(js, decided(idea.idea_id))

        received: list[tuple[dict[str, str], dict[str, object]]] = []

        async def accepted_grant_arrived() -> bool:
            try:
                batch = await hr.fetch(10, timeout=0.5)
            except TimeoutError:
                batch = []
            for message in batch:
                received.append((dict(message.headers or {}), json.loads(message.data)))
                await message.ack()
            return any(body["points"] == 50 for _, body in received)

        await eventually(accepted_grant_arrived)
        [(headers, grant)] = [(h, b) for h, b in received if b["points"] == 50]
        assert grant["person_id"] == "p-1001"
        assert grant["idea_id"] == idea.idea_id
        assert grant["kind"] == "points"
        assert grant["reason"] == "Idea accepted"
        assert grant["grant_id"] == grant_id(idea.idea_id, "p-1001", "accepted")
        assert headers["ce-type"] == GRANTED
        assert headers["ce-source"] == "/ideapaja/reward"
        assert headers["ce-id"] == headers["Nats-Msg-Id"] == grant["grant_id"]

        await eventually(lambda: settled(js, running.runtime))
        # The submission's 5 points and the acceptance's 50, nothing else.
        assert sorted(
            g["points"] for g in await granted_on_stream(js, settings.lifecycle_stream)
        ) == [5, 50]
        points = await js.pull_subscribe(
            "ideapaja.reward.points_awarded.v1",
            durable="t-points",
            stream=settings.lifecycle_stream,
        )
        awarded = [json.loads(m.data) for m in await points.fetch(10, timeout=2)]
        assert sorted((a["rule"], a["points"], a["unit_id"]) for a in awarded) == [
            ("accepted", 50, "u-kirjasto"),
            ("submitted", 5, "u-kirjasto"),
        ]


async def test_a_decision_before_its_idea_still_ends_in_one_grant(
    nats_url: str, sqlite_url: str, js: JetStreamContext
) -> None:
    # Enough quick redeliveries that the decision waits for the idea instead of dead-lettering.
    settings = reward_settings(
        nats_url=nats_url, database_url=sqlite_url, max_deliver=50, redelivery_backoff=[0.2]
    )
    async with running_service(service, settings) as running:
        idea = submitted(authors=["p-1001", "p-1002"])
        await publish(js, decided(idea.idea_id))

        async def decision_was_put_back() -> bool:
            info = await js.consumer_info(settings.lifecycle_stream, "reward-decisions")
            return bool(info.num_redelivered)

        await eventually(decision_was_put_back)
        assert await ledger_entries(running.runtime.db) == []

        await publish(js, idea)
        await eventually(lambda: settled(js, running.runtime))

        granted = await granted_on_stream(js, settings.lifecycle_stream)
        accepted = [g for g in granted if g["reason"] == "Idea accepted"]
        assert sorted(g["person_id"] for g in accepted) == ["p-1001", "p-1002"]
        assert await dead_letter_count(js, running.runtime) == 0


async def test_restart_mid_flow_loses_and_duplicates_nothing(
    nats_url: str, database_url: str, js: JetStreamContext
) -> None:
    settings = reward_settings(
        nats_url=nats_url, database_url=database_url, max_deliver=50, redelivery_backoff=[0.2]
    )
    stream = settings.lifecycle_stream
    first = submitted(new_idea_id(), authors=["p-1001"])
    second = submitted(new_idea_id(), authors=["p-1002"])

    async with running_service(service, settings) as running:
        submitted_id = await publish(js, first)
        await publish(js, decided(first.idea_id))
        # The second idea's decision arrives first and is waiting when the service stops.
        await publish(js, decided(second.idea_id))

        async def first_idea_fully_granted() -> bool:
            return len(await granted_on_stream(js, stream)) == 2

        await eventually(first_idea_fully_granted)

    # While the service is down: the missing idea arrives, and the first idea's submission is
    # re-published by its producer under a new event id (e.g. replayed by an operator).
    await publish(js, second)
    await publish(js, first)
    await publish(js, decided(first.idea_id))
    assert submitted_id  # the original copy is still in the stream as well

    async with running_service(service, settings) as running:
        await eventually(lambda: settled(js, running.runtime))
        granted = await granted_on_stream(js, stream)
        assert sorted((g["person_id"], g["points"]) for g in granted) == [
            ("p-1001", 5),
            ("p-1001", 50),
            ("p-1002", 5),
            ("p-1002", 50),
        ]
        assert len({g["grant_id"] for g in granted}) == 4
        assert len(await ledger_entries(running.runtime.db)) == 4
        assert await dead_letter_count(js, running.runtime) == 0


async def test_a_thousand_redelivered_decisions_grant_exactly_the_expected_rewards(
    nats_url: str, database_url: str, js: JetStreamContext
) -> None:
    """100 accepted ideas of two authors each, their decisions delivered 1,000 times: every copy
    twice under the first copy's event id (stored by the stream as distinct messages, so the
    consumer sees a redelivery the inbox must recognise) and five times more under new event
    ids (a replay only the ledger's keys recognise); half of the decisions arrive before their
    ideas, and the service restarts midway. Exactly 200 acceptance grants come out."""
    settings = reward_settings(
        nats_url=nats_url, database_url=database_url, retry_later_max_deliver=200
    )
    stream = settings.lifecycle_stream
    ideas = [submitted(new_idea_id(), authors=["p-1001", f"p-2{n:03d}"]) for n in range(100)]

    async def decisions_of(batch: list[IdeaSubmitted]) -> None:
        for idea in batch:
            decision = decided(idea.idea_id)
            message = encode(decision, source="/test")
            for copy in range(5):  # the same event id, past JetStream's duplicate window
                headers = {**message.headers, "Nats-Msg-Id": f"{message.envelope.id}-{copy}"}
                await js.publish(message.subject, message.body, headers=headers)
            for _ in range(5):
                await publish(js, decision)

    async with running_service(service, settings):
        await decisions_of(ideas[:50])  # before their ideas
        for idea in ideas:
            await publish(js, idea)
        await decisions_of(ideas[50:])

        async def some_granted() -> bool:
            return len(await granted_on_stream(js, stream)) > 100

        await eventually(some_granted, timeout=60)
    # Restarted: what was in flight is delivered again.
    async with running_service(service, settings) as running:
        await eventually(lambda: settled(js, running.runtime), timeout=120)
        granted = await granted_on_stream(js, stream)
        accepted = [g for g in granted if g["reason_code"] == "idea_accepted"]
        expected = {(idea.idea_id, person) for idea in ideas for person in idea.author_ids}
        assert len(accepted) == 200
        assert {(g["idea_id"], g["person_id"]) for g in accepted} == expected
        assert len({g["grant_id"] for g in granted}) == len(granted) == 400
        entries = await ledger_entries(running.runtime.db)
        assert sorted({e.rule for e in entries}) == ["accepted", "submitted"]
        assert len(entries) == 400
        assert await dead_letter_count(js, running.runtime) == 0
