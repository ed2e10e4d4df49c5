"""The relay's drain is pipelined (the next batch claimed while one is published, a batch
recorded while the next is published): every row still goes out once and in commit order, and a
failure stops it after the failed batch, with the batch it had claimed given back at once."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from test_outbox import Crash, add_ideas, outbox_stack

from ideapaja_runtime.outbox import outbox_table
from ideapaja_runtime.relay import OutboxRelay


async def subjects_in_stream(js: Any, stream: str, count: int) -> list[str]:
    sub = await js.pull_subscribe("ideapaja.>", durable="pipeline-check", stream=stream)
    messages = []
    while len(messages) < count:
        messages += await sub.fetch(min(256, count - len(messages)), timeout=5)
    return [m.headers["ce-subject"] for m in messages]


async def test_a_pipelined_drain_publishes_every_batch_once_in_commit_order(
    nats_url: str, database_url: str
) -> None:
    async with outbox_stack(nats_url, database_url) as (settings, db, _nc, js):
        await add_ideas(db, "i-pipe", 745)  # seven full batches and a short one
        relay = OutboxRelay(db, js, stream=settings.lifecycle_stream, batch_size=100)
        assert await relay.drain() == 745
        assert await relay.pending() == 0
        stream = settings.lifecycle_stream
        assert (await js.stream_info(stream)).state.messages == 745
        assert await subjects_in_stream(js, stream, 745) == [f"i-pipe-{i}" for i in range(745)]


async def test_a_failed_batch_stops_the_drain_and_gives_back_the_next_claim(
    nats_url: str, database_url: str
) -> None:
    async with outbox_stack(nats_url, database_url) as (settings, db, _nc, js):
        await add_ideas(db, "i-stop", 50)
        published: list[str] = []

        async def fail_in_the_second_batch(row: dict[str, Any]) -> None:
            published.append(row["event_id"])
            if len(published) == 15:
                raise Crash(row["event_id"])

        relay = OutboxRelay(
            db, js, stream=settings.lifecycle_stream, batch_size=10,
            after_publish=fail_in_the_second_batch,
        )  # fmt: skip
        with pytest.raises(Crash):
            await relay.drain()
        # Two batches went out; the third, claimed meanwhile, was not published.
        assert len(published) == 20
        async with db.transaction() as session:
            rows = (
                await session.execute(
                    select(outbox_table.c.sent_at, outbox_table.c.claimed_until).order_by(
                        outbox_table.c.seq
                    )
                )
            ).all()
        sent = [row.sent_at is not None for row in rows]
        assert sent == [True] * 14 + [False] + [True] * 5 + [False] * 30
        # Nothing is left leased: the failed row and the batch claimed meanwhile are claimed
        # again at once, not when their leases end.
        assert all(row.claimed_until is None for row in rows)
        again = OutboxRelay(db, js, stream=settings.lifecycle_stream, batch_size=10)
        assert await again.drain() == 31
        assert (await js.stream_info(settings.lifecycle_stream)).state.messages == 50
