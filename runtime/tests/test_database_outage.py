"""A service whose database goes away (PostgreSQL stopped, fail-over, network), issue 14's F2:
the events in hand are not the events' fault and must not spend their redelivery budget, let
alone be dead-lettered; they are handled once the database answers again. A client meanwhile
gets the documented 503 with Retry-After, not a 500 that says the service is broken."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from nats.js import JetStreamContext
from runtime_sample_service import Behaviour, build, count_effects
from runtime_testkit import fast_settings, make_idea

from ideapaja_contracts import encode
from ideapaja_runtime.service import Runtime
from ideapaja_runtime.testing import (
    DevKeys,
    create_pg_database,
    drop_pg_database,
    eventually,
    free_port,
    postgres_available,
    running_service,
    stream_messages,
)
from ideapaja_runtime.testing_builders import wiring
from ideapaja_runtime.testing_proxy import TcpProxy

pytestmark = pytest.mark.skipif(not postgres_available(), reason="no PostgreSQL on 127.0.0.1:5432")


@pytest.fixture
async def database() -> AsyncIterator[tuple[TcpProxy, str]]:
    """A database of its own on the machine's PostgreSQL, reached through a proxy that can
    take the server away (``cut``: connections reset, new ones refused) and give it back."""
    name, url = await asyncio.to_thread(create_pg_database, "ideapaja_outage")
    port = free_port()
    server = TcpProxy([(port, 5432)], refuse=True)
    await server.listen()
    try:
        yield server, url.replace(":5432/", f":{port}/")
    finally:
        server.cut()
        await asyncio.to_thread(drop_pg_database, name)


async def test_events_wait_out_a_database_outage_instead_of_being_dead_lettered(
    database: tuple[TcpProxy, str], nats_url: str, js: JetStreamContext
) -> None:
    server, url = database
    behaviour = Behaviour()
    # Two deliveries 0.1 s apart (JetStream redelivers within seconds): the outage below
    # outlasts the whole budget, and AckWait ten times (the events in hand stay in progress).
    settings = fast_settings(
        nats_url=nats_url,
        database_url=url,
        max_deliver=2,
        redelivery_backoff=[0.1],
        ack_wait_seconds=1,
    )
    runtime = Runtime(build(behaviour), settings)
    await runtime.start()
    try:
        server.cut()
        for idea_id in ("i-during-1", "i-during-2"):
            message = encode(make_idea(idea_id), source="/test")
            await js.publish(message.subject, message.body, headers=message.headers)
        await asyncio.sleep(10)
        assert await stream_messages(js, settings.dead_letter_stream) == []
        await server.listen()

        async def handled() -> bool:
            async with runtime.db.transaction() as session:
                return all(
                    [await count_effects(session, i) == 1 for i in ("i-during-1", "i-during-2")]
                )

        await eventually(handled, timeout=20)
        assert sorted(behaviour.calls) == ["i-during-1", "i-during-2"]
        info = await js.consumer_info(settings.lifecycle_stream, runtime.processors[0].consumer)
        await eventually(lambda: _all_acked(js, settings.lifecycle_stream, info.name))
        assert await stream_messages(js, settings.dead_letter_stream) == []
    finally:
        await runtime.stop()


async def _all_acked(js: JetStreamContext, stream: str, consumer: str) -> bool:
    info = await js.consumer_info(stream, consumer)
    return bool(info.num_pending == 0 and info.num_ack_pending == 0)


async def test_a_request_while_the_database_is_away_gets_503_with_retry_after(
    database: tuple[TcpProxy, str], nats_url: str, dev_keys: DevKeys
) -> None:
    server, url = database
    settings = fast_settings(**wiring(nats_url, url, dev_keys))
    async with running_service(build(Behaviour()), settings) as service:
        headers = dev_keys.headers("p-7", "employee")
        assert (
            await service.client.post("/effects", json={"idea_id": "i-1"}, headers=headers)
        ).status_code == 201
        server.cut()
        for request in (
            service.client.post("/effects", json={"idea_id": "i-2"}, headers=headers),
            service.client.get("/effects/i-1", headers=headers),
        ):
            answer = await request
            assert answer.status_code == 503, answer.text
            assert answer.headers["content-type"] == "application/problem+json"
            assert int(answer.headers["retry-after"]) > 0
            assert answer.json()["title"] == "Service unavailable"
        assert "503" in service.app.openapi()["paths"]["/effects"]["post"]["responses"]
        await server.listen()
        answer = await service.client.post("/effects", json={"idea_id": "i-2"}, headers=headers)
        assert answer.status_code == 201, answer.text
