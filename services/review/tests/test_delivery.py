"""The review service on a real NATS server with SQLite and PostgreSQL: events in, events out."""

from __future__ import annotations

from typing import Any

from nats.js import JetStreamContext
from review_testkit import (
    ORG_UNITS,
    drained,
    encode_msg,
    idea,
    load_org,
    person,
    publish,
    settings_for,
    stream_events,
)
from sqlalchemy import func, select

from ideapaja_contracts.events.idea import Scope
from ideapaja_review.app import service
from ideapaja_review.db.models import CaseRow
from ideapaja_runtime.testing import DevKeys, RunningService, eventually, running_service

STARTED = "ideapaja.review.screening_started.v1"
DECIDED = "ideapaja.review.decided.v1"


async def count(running: RunningService, model: Any, *where: Any) -> int:
    async with running.runtime.db.transaction() as session:
        query = select(func.count()).select_from(model).where(*where)
        return int(await session.scalar(query) or 0)


def by_idea(events: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for event in events:
        found.setdefault(event["idea_id"], []).append(event)
    return found


def admin(dev_keys: DevKeys) -> dict[str, str]:
    return dev_keys.headers("p-admin", "admin")


async def test_submission_after_hr_data_starts_screening_with_the_right_reviewers(
    nats_url: str, database_url: str, js: JetStreamContext, dev_keys: DevKeys
) -> None:
    async with running_service(service, settings_for(nats_url, database_url, dev_keys)) as running:
        await load_org(js, running)
        await publish(js, idea("i-unit", anonymous=True))
        await publish(js, idea("i-dept", scope=Scope.DEPARTMENT, unit_id="d-sivistys"))
        await publish(js, idea("i-city", scope=Scope.CITY, unit_id="u-puisto"))

        async def three_started() -> list[dict[str, Any]] | None:
            events = await stream_events(js, STARTED)
            return events if len(events) >= 3 else None

        started = by_idea(await eventually(three_started))
        assert {k: [e["reviewer_ids"] for e in v] for k, v in started.items()} == {
            "i-unit": [["p-ca-kirjasto", "p-sup-kirjasto"]],
            "i-dept": [["p-ca-kirjasto", "p-ca-koulu", "p-ca-sivistys", "p-sup-kirjasto"]],
            "i-city": [["p-com-1", "p-com-2"]],
        }
        [unit_started] = started["i-unit"]
        assert (unit_started["scope"], unit_started["unit_id"]) == ("unit", "u-kirjasto")

        case = await running.client.get(
            f"/cases/{unit_started['case_id']}",
            headers=dev_keys.headers("p-sup-kirjasto", "supervisor"),
        )
        assert case.status_code == 200
        assert case.json()["idea_id"] == "i-unit"
        assert case.json()["author_ids"] is None


async def test_submission_before_hr_data_waits_unrouted_then_starts_screening(
    nats_url: str, database_url: str, js: JetStreamContext, dev_keys: DevKeys
) -> None:
    async with running_service(service, settings_for(nats_url, database_url, dev_keys)) as running:
        await publish(js, idea("i-early", unit_id="u-tyhja"))

        async def opened() -> dict[str, Any] | None:
            response = await running.client.get("/cases/by-idea/i-early", headers=admin(dev_keys))
            return response.json() if response.status_code == 200 else None

        case = await eventually(opened)
        assert (case["routed"], case["reviewer_ids"]) == (False, [])
        await eventually(lambda: drained(running))
        assert await stream_events(js, STARTED) == []

        # The department's change agent arrives before the unit's record: not routable yet.
        await publish(js, person("p-ca-sivistys", "d-sivistys", "change_agent"))
        await publish(js, ORG_UNITS[0])  # d-sivistys
        # The unit's record links it to its department: the fallback now finds a reviewer.
        await publish(js, ORG_UNITS[4])  # u-tyhja under d-sivistys
        started = await eventually(lambda: stream_events(js, STARTED))
        assert [(e["idea_id"], e["reviewer_ids"]) for e in started] == [
            ("i-early", ["p-ca-sivistys"])
        ]
        routed = await opened()
        assert routed is not None and routed["routed"] is True


async def test_decision_emits_exactly_one_review_decided(
    nats_url: str, database_url: str, js: JetStreamContext, dev_keys: DevKeys
) -> None:
    async with running_service(service, settings_for(nats_url, database_url, dev_keys)) as running:
        await load_org(js, running)
        await publish(js, idea("i-decide"))
        [started] = await eventually(lambda: stream_events(js, STARTED))
        path = f"/cases/{started['case_id']}/decision"
        reviewer = dev_keys.headers("p-ca-kirjasto", "change_agent")
        body = {"decision": "accepted", "rationale": "Pilotoidaan."}

        first = await running.client.post(path, json=body, headers=reviewer)
        assert first.status_code == 200, first.text
        second = await running.client.post(path, json=body, headers=reviewer)
        assert second.status_code == 409
        await eventually(lambda: drained(running))

        [decided] = await stream_events(js, DECIDED)
        assert {k: decided[k] for k in ("case_id", "idea_id", "decision", "decided_by")} == {
            "case_id": started["case_id"],
            "idea_id": "i-decide",
            "decision": "accepted",
            "decided_by": "p-ca-kirjasto",
        }
        assert (decided["scope"], decided["unit_id"]) == ("unit", "u-kirjasto")


async def test_redelivered_submission_opens_no_second_case(
    nats_url: str, database_url: str, js: JetStreamContext, dev_keys: DevKeys
) -> None:
    async with running_service(service, settings_for(nats_url, database_url, dev_keys)) as running:
        await load_org(js, running)
        submitted = idea("i-again")
        message = encode_msg(submitted)
        await js.publish(message.subject, message.body, headers=message.headers)
        # The same event past JetStream's duplicate window (the inbox catches it) …
        replay = dict(message.headers, **{"Nats-Msg-Id": "replayed-copy"})
        await js.publish(message.subject, message.body, headers=replay)
        # … and a new event for the same idea (the one-case-per-idea rule catches it).
        last = await js.publish(
            message.subject, message.body, headers=encode_msg(submitted).headers
        )

        consumer = "review-ideas-submitted"

        async def all_handled() -> bool:
            info = await js.consumer_info(running.runtime.settings.lifecycle_stream, consumer)
            return info.ack_floor.stream_seq >= last.seq and info.num_ack_pending == 0

        await eventually(all_handled)
        await eventually(lambda: drained(running))
        assert await count(running, CaseRow, CaseRow.idea_id == "i-again") == 1
        assert len(await stream_events(js, STARTED)) == 1


async def test_restart_mid_flow_loses_and_duplicates_nothing(
    nats_url: str, database_url: str, js: JetStreamContext, dev_keys: DevKeys
) -> None:
    settings = settings_for(nats_url, database_url, dev_keys)
    async with running_service(service, settings) as running:
        await load_org(js, running)
        await publish(js, idea("i-before"))
        await eventually(lambda: count(running, CaseRow))
        # Stopped with work in flight: these may be half handled when the service goes down.
        for n in range(4):
            await publish(js, idea(f"i-during-{n}"))

    # While it is down, more arrives.
    await publish(js, idea("i-while-down"))
    await publish(js, person("p-sup-puisto", "u-puisto", "supervisor"))

    async with running_service(service, settings) as running:
        expected = {"i-before", "i-while-down", *(f"i-during-{n}" for n in range(4))}

        async def all_started() -> dict[str, list[dict[str, Any]]] | None:
            found = by_idea(await stream_events(js, STARTED))
            return found if set(found) == expected else None

        started = await eventually(all_started)
        path = f"/cases/{started['i-before'][0]['case_id']}/decision"
        response = await running.client.post(
            path,
            json={"decision": "rejected", "rationale": "Ei nyt."},
            headers=dev_keys.headers("p-sup-kirjasto", "supervisor"),
        )
        assert response.status_code == 200, response.text
        await eventually(lambda: drained(running))

        assert await count(running, CaseRow) == len(expected)
        started = by_idea(await stream_events(js, STARTED))
        assert {idea_id: len(events) for idea_id, events in started.items()} == dict.fromkeys(
            expected, 1
        )
        assert all(
            events[0]["reviewer_ids"] == ["p-ca-kirjasto", "p-sup-kirjasto"]
            for events in started.values()
        )
        assert [e["idea_id"] for e in await stream_events(js, DECIDED)] == ["i-before"]
        work = await running.client.get(
            "/cases", headers=dev_keys.headers("p-ca-kirjasto", "change_agent")
        )
        assert work.json()["total"] == len(expected)
