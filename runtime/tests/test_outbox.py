"""The outbox publishes every committed event exactly once into the stream."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import nats
import pytest
from runtime_testkit import fast_settings, make_idea

from ideapaja_runtime.db import Database
from ideapaja_runtime.outbox import Outbox, OutboxEntry
from ideapaja_runtime.relay import OutboxRelay
from ideapaja_runtime.settings import ServiceSettings
from ideapaja_runtime.streams import ensure_streams


class Crash(Exception):
    pass


async def expire_leases(db: Database) -> None:
    """Every claim and hand-over lease ends now (as if their relays had died long ago)."""
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import update

    from ideapaja_runtime.outbox import outbox_table

    async with db.transaction() as session:
        await session.execute(
            update(outbox_table).values(claimed_until=datetime.now(UTC) - timedelta(seconds=1))
        )


@asynccontextmanager
async def outbox_stack(
    nats_url: str, database_url: str, **connect: Any
) -> AsyncIterator[tuple[ServiceSettings, Database, Any, Any]]:
    """A migrated database and a JetStream context with the streams, closed afterwards."""
    settings = fast_settings(nats_url=nats_url, database_url=database_url)
    db = Database(database_url)
    await db.migrate(None)
    nc = await nats.connect(nats_url, **connect)
    js = nc.jetstream()
    await ensure_streams(js, settings)
    try:
        yield settings, db, nc, js
    finally:
        await nc.close()
        await db.dispose()


async def add_ideas(db: Database, prefix: str, count: int) -> None:
    """``count`` IdeaSubmitted events (ids ``<prefix>-0`` …) into the outbox, in one transaction."""
    outbox = Outbox("/test")
    async with db.transaction() as session:
        for i in range(count):
            await outbox.add(session, make_idea(f"{prefix}-{i}"))


async def test_relay_crash_between_publish_and_mark_sent_publishes_once(
    nats_url: str, database_url: str
) -> None:
    async with outbox_stack(nats_url, database_url) as (settings, db, _nc, js):
        await add_ideas(db, "i-crash", 3)

        async def crash_before_marking(row: dict[str, Any]) -> None:
            raise Crash(row["event_id"])

        crashing = OutboxRelay(
            db, js, stream=settings.lifecycle_stream, after_publish=crash_before_marking
        )
        with pytest.raises(Crash):
            await crashing.drain()
        # The events reached the stream but no row was marked sent.
        assert (await js.stream_info(settings.lifecycle_stream)).state.messages == 3
        assert await crashing.pending() == 3

        recovered = OutboxRelay(db, js, stream=settings.lifecycle_stream)
        assert await recovered.drain() == 3
        assert await recovered.pending() == 0
        info = await js.stream_info(settings.lifecycle_stream)
        assert info.state.messages == 3, "the re-published events must be dropped as duplicates"

        sub = await js.pull_subscribe(
            "ideapaja.>", durable="check", stream=settings.lifecycle_stream
        )
        msgs = await sub.fetch(3, timeout=2)
        # In commit order.
        assert [m.headers["ce-subject"] for m in msgs] == [f"i-crash-{i}" for i in range(3)]
        assert all(m.headers["Nats-Msg-Id"] == m.headers["ce-id"] for m in msgs)


async def test_rolled_back_transaction_publishes_nothing(nats_url: str, sqlite_url: str) -> None:
    async with outbox_stack(nats_url, sqlite_url) as (settings, db, _nc, js):
        outbox = Outbox("/test")
        with pytest.raises(RuntimeError):
            async with db.transaction() as session:
                await outbox.add(session, make_idea("i-rollback"))
                raise RuntimeError("the state change failed")
        relay = OutboxRelay(db, js, stream=settings.lifecycle_stream)
        assert await relay.drain() == 0
        assert (await js.stream_info(settings.lifecycle_stream)).state.messages == 0


async def test_relay_retries_while_nats_is_down_and_delivers_after(
    nats_server: Any, sqlite_url: str
) -> None:
    async with outbox_stack(
        nats_server.url, sqlite_url, max_reconnect_attempts=-1, reconnect_time_wait=0.2
    ) as (settings, db, nc, js):
        nats_server.stop()
        outbox = Outbox("/test")
        async with db.transaction() as session:
            await outbox.add(session, make_idea("i-outage"))
        relay = OutboxRelay(db, js, stream=settings.lifecycle_stream, publish_timeout=0.5)
        with pytest.raises(Exception):  # noqa: B017 - any publish failure while the server is down
            await relay.drain()
        assert await relay.pending() == 1
        nats_server.start()
        for _ in range(50):
            if nc.is_connected:
                break
            import asyncio

            await asyncio.sleep(0.1)
        assert await relay.drain() == 1
        assert (await js.stream_info(settings.lifecycle_stream)).state.messages == 1


async def test_concurrent_migrations_of_one_database_do_not_collide(database_url: str) -> None:
    """Two replicas starting at once on a fresh database both come up."""
    import asyncio

    from runtime_sample_service import Behaviour, build

    spec = build(Behaviour())
    first, second = Database(database_url), Database(database_url)
    await asyncio.gather(first.migrate(spec.migrations), second.migrate(spec.migrations))
    async with first.transaction() as session:
        tables = await session.run_sync(
            lambda s: __import__("sqlalchemy").inspect(s.connection()).get_table_names()
        )
    assert {"outbox", "inbox", "effects"} <= set(tables)
    await first.dispose()
    await second.dispose()


async def test_two_relays_share_one_outbox_without_publishing_twice(
    nats_url: str, database_url: str
) -> None:
    """Replicas of a service run a relay each: every row is claimed by exactly one of them."""
    import asyncio

    async with outbox_stack(nats_url, database_url) as (settings, db, _nc, js):
        await add_ideas(db, "i-shared", 60)
        published: list[str] = []

        async def record(row: dict[str, Any]) -> None:
            published.append(row["event_id"])

        relays = [
            OutboxRelay(
                db, js, stream=settings.lifecycle_stream, batch_size=7, after_publish=record
            )
            for _ in range(2)
        ]
        await asyncio.gather(*(relay.drain() for relay in relays))
        assert len(published) == 60 and len(set(published)) == 60, "no row published twice"
        assert await relays[0].pending() == 0
        assert (await js.stream_info(settings.lifecycle_stream)).state.messages == 60


async def test_a_claimed_row_waits_for_its_lease(nats_url: str, sqlite_url: str) -> None:
    """A relay that died mid-publish holds its rows until the lease ends; then they go out."""
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import update

    from ideapaja_runtime.outbox import outbox_table

    async with outbox_stack(nats_url, sqlite_url) as (settings, db, _nc, js):
        async with db.transaction() as session:
            await Outbox("/test").add(session, make_idea("i-leased"))
            await session.execute(
                update(outbox_table).values(claimed_until=datetime.now(UTC) + timedelta(seconds=60))
            )
        relay = OutboxRelay(db, js, stream=settings.lifecycle_stream)
        assert await relay.drain() == 0, "another relay's lease is respected"
        await expire_leases(db)
        assert await relay.drain() == 1, "an expired lease is taken over"


async def test_published_rows_are_purged_after_the_keep_period_and_pending_ones_never(
    nats_url: str, database_url: str
) -> None:
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import select, update

    from ideapaja_runtime.outbox import outbox_table

    async with outbox_stack(nats_url, database_url) as (settings, db, _nc, js):
        await add_ideas(db, "i-purge", 5)
        relay = OutboxRelay(db, js, stream=settings.lifecycle_stream, keep_sent=timedelta(hours=24))
        assert await relay.drain() == 5
        async with db.transaction() as session:
            # Two were published two days ago, three just now; then a new one is still pending.
            await session.execute(
                update(outbox_table)
                .where(
                    outbox_table.c.seq.in_(select(outbox_table.c.seq).limit(2).scalar_subquery())
                )
                .values(sent_at=datetime.now(UTC) - timedelta(days=2))
            )
            await Outbox("/test").add(session, make_idea("i-purge-pending"))
        # Small chunks: the purge goes on until nothing old is left.
        assert await relay.purge_sent(chunk=1) == 2
        async with db.transaction() as session:
            rows = (await session.execute(select(outbox_table))).mappings().all()
        assert len(rows) == 4
        assert sum(row["sent_at"] is None for row in rows) == 1
        assert await relay.purge_sent() == 0
        # Keeping nothing: every published row goes, the pending one stays until it is published.
        eager = OutboxRelay(db, js, stream=settings.lifecycle_stream, keep_sent=timedelta(0))
        assert await eager.purge_sent() == 3
        assert await eager.pending() == 1
        assert await eager.drain() == 1


async def test_the_running_relay_purges_on_its_own(nats_url: str, sqlite_url: str) -> None:
    from datetime import timedelta

    from sqlalchemy import func, select

    from ideapaja_runtime.outbox import outbox_table
    from ideapaja_runtime.testing import eventually

    async with outbox_stack(nats_url, sqlite_url) as (settings, db, _nc, js):
        relay = OutboxRelay(
            db,
            js,
            stream=settings.lifecycle_stream,
            poll_seconds=0.05,
            keep_sent=timedelta(0),
            purge_every_seconds=0.05,
        )
        outbox = Outbox("/test", relay=relay)
        relay.start()
        async with db.transaction() as session:
            await outbox.add(session, make_idea("i-purged-by-the-loop"))

        async def outbox_is_empty() -> bool:
            async with db.transaction() as session:
                return await session.scalar(select(func.count()).select_from(outbox_table)) == 0

        await eventually(outbox_is_empty)
        assert (await js.stream_info(settings.lifecycle_stream)).state.messages == 1
        await relay.stop()


# --- hand-over: the committing process publishes its own rows without reading them back ---------


async def test_committed_rows_are_handed_over_and_published_at_once(
    nats_url: str, database_url: str
) -> None:
    from ideapaja_runtime.testing import eventually

    async with outbox_stack(nats_url, database_url) as (settings, db, _nc, js):
        # The poll is an hour away: only the hand-over can publish within the test.
        relay = OutboxRelay(db, js, stream=settings.lifecycle_stream, poll_seconds=3600)
        outbox = Outbox("/test", relay=relay)
        relay.start()
        try:
            async with db.transaction() as session:
                for i in range(3):
                    await outbox.add(session, make_idea(f"i-handed-{i}"))

            async def published() -> bool:
                info = await js.stream_info(settings.lifecycle_stream)
                return info.state.messages == 3 and await relay.pending() == 0

            await eventually(published, timeout=5)
        finally:
            await relay.stop()
        sub = await js.pull_subscribe(
            "ideapaja.>", durable="order", stream=settings.lifecycle_stream
        )
        msgs = await sub.fetch(3, timeout=2)
        assert [m.headers["ce-subject"] for m in msgs] == [f"i-handed-{i}" for i in range(3)]


async def test_handed_over_rows_are_not_claimed_by_another_relay(
    nats_url: str, database_url: str
) -> None:
    async with outbox_stack(nats_url, database_url) as (settings, db, _nc, js):
        ours = OutboxRelay(db, js, stream=settings.lifecycle_stream)
        other = OutboxRelay(db, js, stream=settings.lifecycle_stream)
        outbox = Outbox("/test", relay=ours)
        async with db.transaction() as session:
            await outbox.add(session, make_idea("i-ours"))
        assert await other.drain() == 0, "the row is leased to the relay it was handed to"
        assert await ours.publish_handed() == 1
        assert await ours.pending() == 0
        assert (await js.stream_info(settings.lifecycle_stream)).state.messages == 1


async def test_a_rolled_back_transaction_hands_nothing_over(nats_url: str, sqlite_url: str) -> None:
    async with outbox_stack(nats_url, sqlite_url) as (settings, db, _nc, js):
        relay = OutboxRelay(db, js, stream=settings.lifecycle_stream)
        outbox = Outbox("/test", relay=relay)
        with pytest.raises(RuntimeError):
            async with db.transaction() as session:
                await outbox.add(session, make_idea("i-never"))
                raise RuntimeError("the state change failed")
        assert await relay.publish_handed() == 0
        assert (await js.stream_info(settings.lifecycle_stream)).state.messages == 0


async def test_a_failed_hand_over_leaves_the_rows_to_the_poll(
    nats_url: str, database_url: str
) -> None:
    async with outbox_stack(nats_url, database_url) as (settings, db, _nc, js):

        async def crash(row: dict[str, Any]) -> None:
            raise Crash(row["event_id"])

        failing = OutboxRelay(
            db, js, stream=settings.lifecycle_stream, batch_size=2, after_publish=crash
        )
        outbox = Outbox("/test", relay=failing)
        async with db.transaction() as session:
            for i in range(5):
                await outbox.add(session, make_idea(f"i-failed-{i}"))
        with pytest.raises(Crash):
            await failing.publish_handed()
        # The failed batch and the rest that was waiting are free again: the poll takes them
        # now, not when their leases would have ended.
        poll = OutboxRelay(db, js, stream=settings.lifecycle_stream)
        assert await poll.drain() == 5
        assert await poll.pending() == 0
        info = await js.stream_info(settings.lifecycle_stream)
        assert info.state.messages == 5, "the copies of the first batch were dropped"


async def test_the_hand_over_is_bounded_and_the_rest_waits_for_the_poll(
    nats_url: str, sqlite_url: str
) -> None:
    from prometheus_client import REGISTRY

    def left_to_poll() -> float:
        return REGISTRY.get_sample_value("ideapaja_outbox_left_to_poll_total") or 0.0

    left_before = left_to_poll()
    async with outbox_stack(nats_url, sqlite_url) as (settings, db, _nc, js):
        relay = OutboxRelay(db, js, stream=settings.lifecycle_stream, max_handed=2)
        outbox = Outbox("/test", relay=relay)
        async with db.transaction() as session:
            await outbox.add(session, make_idea("i-fits"))
        async with db.transaction() as session:
            entries = [OutboxEntry(make_idea(f"i-too-many-{i}")) for i in range(2)]
            await outbox.add_many(session, entries)
        assert await relay.publish_handed() == 1, "only what fitted was kept in memory"
        assert left_to_poll() - left_before == 2, "operators see it in /metrics"
        assert await relay.pending() == 2
        await expire_leases(db)  # their hand-over lease runs out
        assert await relay.drain() == 2
        assert (await js.stream_info(settings.lifecycle_stream)).state.messages == 3


async def test_publishes_whose_acks_were_lost_with_the_connection_are_stored_once(
    nats_server: Any, sqlite_url: str
) -> None:
    """F4: the server stores a publish whose acknowledgement is lost with the connection; the
    relay publishes the row again after reconnecting and JetStream keeps one copy (its PubAck
    says duplicate)."""
    import asyncio

    from ideapaja_runtime import metrics
    from ideapaja_runtime.testing import free_port
    from ideapaja_runtime.testing_proxy import TcpProxy

    proxy = TcpProxy([(free_port(), nats_server.port)], refuse=False, lose_replies=True)
    await proxy.listen()
    through_proxy = f"nats://127.0.0.1:{proxy.pairs[0][0]}"
    duplicates = metrics.OUTBOX_PUBLISHED.labels(duplicate="True")
    reconnected = asyncio.Event()

    async def on_reconnect() -> None:
        reconnected.set()

    async with outbox_stack(
        through_proxy,
        sqlite_url,
        max_reconnect_attempts=-1,
        reconnect_time_wait=0.2,
        reconnected_cb=on_reconnect,
    ) as (settings, db, _nc, js):
        await add_ideas(db, "i-ack-lost", 20)
        relay = OutboxRelay(db, js, stream=settings.lifecycle_stream, publish_timeout=0.5)
        proxy.cut()  # from now on the server's answers are thrown away
        with pytest.raises(Exception):  # noqa: B017 - every publish times out waiting for its ack
            await relay.drain()
        assert await relay.pending() == 20
        direct = await nats.connect(nats_server.url)
        stored = (await direct.jetstream().stream_info(settings.lifecycle_stream)).state.messages
        assert stored == 20, "the server stored the publishes whose acks were lost"

        proxy.restore()  # the connection that lost the acks dies; a new one works
        await asyncio.wait_for(reconnected.wait(), 10)
        before = duplicates._value.get()
        assert await relay.drain() == 20
        assert await relay.pending() == 0
        assert duplicates._value.get() - before == 20, "JetStream reported each copy a duplicate"
        info = await direct.jetstream().stream_info(settings.lifecycle_stream)
        assert info.state.messages == 20, "one copy of each event"
        await direct.close()
    for server in proxy.servers:
        server.close()
