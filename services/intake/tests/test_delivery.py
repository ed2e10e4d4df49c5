"""The service on a real NATS server and real databases: what it emits, what it learns."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from intake_testkit import (
    AUTHOR,
    LIBRARY,
    MUSEUM,
    REVIEWER,
    SettingsFor,
    idea_payload,
    outbox_rows,
    post_idea,
)
from nats.aio.msg import Msg
from nats.js import JetStreamContext

from ideapaja_contracts import Event, encode
from ideapaja_contracts.events.hr import UnitUpserted
from ideapaja_contracts.events.idea import Scope
from ideapaja_contracts.events.review import Decision, ReviewDecided, ScreeningStarted
from ideapaja_intake.app import service
from ideapaja_intake.db.org import known_units
from ideapaja_runtime.testing import DevKeys, RunningService, eventually, running_service

SUBMITTED = "ideapaja.idea.submitted.v1"
TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
TRACED = {"traceparent": TRACEPARENT}  # what post_idea sends besides the token


async def stream_messages(js: JetStreamContext, stream: str, subject: str) -> list[Msg]:
    info = await js.stream_info(stream)
    if not info.state.messages:
        return []
    found = []
    for seq in range(info.state.first_seq, info.state.last_seq + 1):
        msg = await js.get_msg(stream, seq)
        if msg.subject == subject:
            found.append(msg)
    return found


async def published(js: JetStreamContext, running: RunningService) -> list[Msg]:
    """What the service emitted, once its outbox is empty."""

    async def drained() -> bool:
        assert running.runtime.relay is not None
        return await running.runtime.relay.pending() == 0

    await eventually(drained)
    return await stream_messages(js, running.runtime.settings.lifecycle_stream, SUBMITTED)


async def publish(js: JetStreamContext, event: Event, *, time: datetime | None = None) -> None:
    message = encode(event, source="/test", time=time)
    await js.publish(message.subject, message.body, headers=message.headers)


async def learn_units(js: JetStreamContext, running: RunningService, *units: UnitUpserted) -> None:
    for unit in units:
        await publish(js, unit)

    async def known() -> bool:
        async with running.runtime.db.transaction() as session:
            return await session.run_sync(known_units, [u.unit_id for u in units]) == {
                u.unit_id for u in units
            }

    await eventually(known)


async def test_submitting_emits_exactly_one_cloudevent(
    settings_for: SettingsFor, database_url: str, js: JetStreamContext, dev_keys: DevKeys
) -> None:
    async with running_service(service, settings_for(database_url)) as running:
        await learn_units(js, running, LIBRARY)
        idea = await post_idea(running, dev_keys, headers=TRACED, anonymous=True)
        [msg] = await published(js, running)

    headers = msg.headers or {}
    assert headers["ce-specversion"] == "1.0"
    assert headers["ce-type"] == SUBMITTED
    assert headers["ce-source"] == "/ideapaja/intake"
    assert headers["ce-subject"] == idea["id"]
    assert headers["content-type"] == "application/json"
    assert headers["Nats-Msg-Id"] == headers["ce-id"]
    datetime.fromisoformat(headers["ce-time"])
    # The event continues the caller's trace.
    assert headers["traceparent"].split("-")[1] == TRACEPARENT.split("-")[1]
    body = json.loads(msg.data)
    assert body["idea_id"] == idea["id"]
    assert body["author_ids"] == [AUTHOR]
    assert body["author_ref"] == idea["author_ref"]
    assert body["anonymous"] is True
    assert body["channel"] == "api"


async def test_units_are_learned_from_hr_events(
    settings_for: SettingsFor, database_url: str, js: JetStreamContext, dev_keys: DevKeys
) -> None:
    async with running_service(service, settings_for(database_url)) as running:
        headers = dev_keys.headers(AUTHOR, "employee")
        refused = await running.client.post(
            "/ideas", json=idea_payload(unit_id="u-museo"), headers=headers
        )
        assert refused.status_code == 422

        await publish(js, MUSEUM)

        async def listed() -> list[dict[str, Any]]:
            units: list[dict[str, Any]] = (
                await running.client.get("/units", headers=headers)
            ).json()["items"]
            return units

        [unit] = await eventually(listed)
        assert unit == {
            "id": "u-museo",
            "kind": "unit",
            "parent_id": "d-sivistys",
            "name_fi": "Museo",
            "name_sv": "Museet",
            "name_en": "Museum",
        }
        accepted = await running.client.post(
            "/ideas", json=idea_payload(unit_id="u-museo"), headers=headers
        )
        assert accepted.status_code == 201, accepted.text


async def test_status_follows_review_events_even_out_of_order(
    settings_for: SettingsFor, database_url: str, js: JetStreamContext, dev_keys: DevKeys
) -> None:
    async with running_service(service, settings_for(database_url)) as running:
        await learn_units(js, running, LIBRARY)
        idea = await post_idea(running, dev_keys, headers=TRACED)
        now = datetime.now(UTC)
        common: dict[str, Any] = {
            "case_id": "c-1",
            "idea_id": idea["id"],
            "scope": Scope.UNIT,
            "unit_id": "u-kirjasto",
        }
        # The decision reaches us before the screening that preceded it.
        await publish(
            js,
            ReviewDecided(
                decision=Decision.NEEDS_INFO,
                rationale="Mitkä illat olisivat tärkeimmät?",
                decided_by=REVIEWER,
                **common,
            ),
            time=now + timedelta(seconds=2),
        )
        await publish(js, ScreeningStarted(reviewer_ids=[REVIEWER], **common), time=now)
        headers = dev_keys.headers(AUTHOR, "employee")

        async def both_recorded() -> dict[str, Any] | None:
            body: dict[str, Any] = (
                await running.client.get(f"/ideas/{idea['id']}", headers=headers)
            ).json()
            return body if len(body["history"]) == 3 else None

        seen = await eventually(both_recorded)
        assert seen["status"] == "needs_info"
        assert [h["status"] for h in seen["history"]] == ["submitted", "screening", "needs_info"]
        decided = seen["history"][-1]
        assert decided["decided_by"] == REVIEWER
        assert decided["rationale"] == "Mitkä illat olisivat tärkeimmät?"
        assert datetime.fromisoformat(decided["at"]) == (now + timedelta(seconds=2))


async def test_restart_between_submit_and_publish_delivers_exactly_once(
    settings_for: SettingsFor, database_url: str, js: JetStreamContext, dev_keys: DevKeys
) -> None:
    # The row waits out its hand-over lease (2 × the publish timeout) after the "crash".
    settings = settings_for(database_url, publish_timeout_seconds=1.0)
    async with running_service(service, settings) as running:
        await learn_units(js, running, LIBRARY)
        # The relay stops (as if the process died right after the commit): nothing goes out.
        assert running.runtime.relay is not None
        await running.runtime.relay.stop()
        idea = await post_idea(running, dev_keys, headers=TRACED)
        assert len(await outbox_rows(running.runtime)) == 1
    assert await stream_messages(js, settings.lifecycle_stream, SUBMITTED) == []

    async with running_service(service, settings) as restarted:
        [msg] = await published(js, restarted)
    assert json.loads(msg.data)["idea_id"] == idea["id"]


async def test_crash_after_publish_before_marking_sent_is_not_a_duplicate(
    settings_for: SettingsFor, sqlite_url: str, js: JetStreamContext, dev_keys: DevKeys
) -> None:
    settings = settings_for(sqlite_url)
    attempts: list[str] = []

    async def crash(row: dict[str, Any]) -> None:
        attempts.append(row["event_id"])
        raise RuntimeError("killed between the stream's ack and marking the row sent")

    async with running_service(service, settings) as running:
        await learn_units(js, running, LIBRARY)
        assert running.runtime.relay is not None
        running.runtime.relay.after_publish = crash
        await post_idea(running, dev_keys, headers=TRACED)

        async def relay_tried() -> bool:
            return bool(attempts)

        await eventually(relay_tried)
    assert len(await stream_messages(js, settings.lifecycle_stream, SUBMITTED)) == 1

    async with running_service(service, settings) as restarted:
        messages = await published(js, restarted)
    assert len(messages) == 1
    assert messages[0].headers is not None and messages[0].headers["ce-id"] == attempts[0]


# --- the rest of intake's events, on a real NATS -------------------------------------------------


async def all_messages(js: JetStreamContext, running: RunningService) -> list[Msg]:
    async def drained() -> bool:
        assert running.runtime.relay is not None
        return await running.runtime.relay.pending() == 0

    await eventually(drained)
    stream = running.runtime.settings.lifecycle_stream
    info = await js.stream_info(stream)
    return [
        await js.get_msg(stream, seq)
        for seq in range(info.state.first_seq, info.state.last_seq + 1)
    ]


async def test_every_author_and_colleague_action_reaches_the_stream(
    settings_for: SettingsFor, database_url: str, js: JetStreamContext, dev_keys: DevKeys
) -> None:
    from intake_testkit import COLLEAGUE, seed_people

    async with running_service(service, settings_for(database_url)) as running:
        await learn_units(js, running, LIBRARY)
        await seed_people(running.runtime)
        idea = await post_idea(running, dev_keys, headers=TRACED, anonymous=True)
        path = f"/ideas/{idea['id']}"
        author = dev_keys.headers(AUTHOR, "employee")
        colleague = dev_keys.headers(COLLEAGUE, "employee")
        assert (await running.client.post(f"{path}/support", headers=colleague)).status_code == 201
        comment = await running.client.post(
            f"{path}/comments", json={"body": "Hyvä!"}, headers=colleague
        )
        assert comment.status_code == 201
        edit = {k: idea[k] for k in ("title", "problem", "solution", "benefit")}
        edited = await running.client.put(
            path, json={**edit, "revision": 1, "title": "Uusi otsikko"}, headers=author
        )
        assert edited.status_code == 200
        withdrawn = await running.client.post(f"{path}/withdraw", json={}, headers=author)
        assert withdrawn.status_code == 200
        messages = await all_messages(js, running)

    kinds = [(m.headers or {})["ce-type"] for m in messages]
    assert kinds == [
        "ideapaja.idea.submitted.v1",
        "ideapaja.idea.supported.v1",
        "ideapaja.idea.commented.v1",
        "ideapaja.idea.updated.v1",
        "ideapaja.idea.withdrawn.v1",
    ]
    bodies = [json.loads(m.data) for m in messages]
    assert all(b["idea_id"] == idea["id"] for b in bodies)
    assert bodies[3]["edited_by"] == idea["author_ref"] and bodies[3]["title"] == "Uusi otsikko"
    assert bodies[4]["withdrawn_by"] == idea["author_ref"]
    # An anonymous idea's events never carry its author's person id.
    assert AUTHOR not in str(bodies[1:])


async def test_progress_and_merge_events_update_intake(
    settings_for: SettingsFor, sqlite_url: str, js: JetStreamContext, dev_keys: DevKeys
) -> None:
    from intake_testkit import COLLEAGUE

    from ideapaja_contracts.events.progress import ImplementationCompleted, PracticePublished
    from ideapaja_contracts.events.review import IdeaMerged

    settings = settings_for(sqlite_url)
    async with running_service(service, settings) as running:
        await learn_units(js, running, LIBRARY)
        duplicate = await post_idea(running, dev_keys, headers=TRACED, title="Iltakirjasto")
        survivor = await post_idea(running, dev_keys, headers=TRACED, title="Omatoimikirjasto")
        colleague = dev_keys.headers(COLLEAGUE, "employee")
        await running.client.post(f"/ideas/{duplicate['id']}/support", headers=colleague)
        await publish(js, IdeaMerged(case_id="c-1", idea_id=duplicate["id"],
                                     into_idea_id=survivor["id"], merged_by=REVIEWER))  # fmt: skip
        await publish(js, ImplementationCompleted(idea_id=survivor["id"], owner_id=REVIEWER))
        await publish(js, PracticePublished(idea_id=survivor["id"], practice_id="gp-1",
                                            title="Iltakirjasto", summary="s",
                                            published_by=REVIEWER))  # fmt: skip

        async def view(idea_id: str) -> dict[str, Any]:
            response = await running.client.get(f"/public/ideas/{idea_id}", headers=colleague)
            body: dict[str, Any] = response.json()
            return body

        async def settled() -> bool:
            merged, kept = await view(duplicate["id"]), await view(survivor["id"])
            return (
                merged["status"] == "duplicate"
                and kept["status"] == "good_practice"
                and kept["support_count"] == 1
            )

        await eventually(settled)
        kept = await view(survivor["id"])
        assert kept["supported_by_me"] is True
        assert [t["kind"] for t in kept["timeline"]] == [
            "submitted", "implemented", "practice_published"
        ]  # fmt: skip
        messages = await all_messages(js, running)
    moved = [
        json.loads(m.data)
        for m in messages
        if (m.headers or {}).get("ce-type") == "ideapaja.idea.supported.v1"
        and json.loads(m.data)["idea_id"] == survivor["id"]
    ]
    assert [(e["supporter_id"], e["support_count"]) for e in moved] == [(COLLEAGUE, 1)]
