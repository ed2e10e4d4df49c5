"""A second baseline for the consuming rows: the **durable floor**, what any consumer that keeps
our guarantees pays before its handler does anything. A raw nats-py pull consumer (fetch up to the
runtime's batch size, as the runtime's consumers do) that decodes and validates each message
against its contract, and per batch, in ONE raw ``sqlite3`` transaction (WAL, ``BEGIN
IMMEDIATE``, as the runtime configures SQLite), looks the batch's event ids up in an inbox table,
inserts the new ones in one multi-row statement, commits, and then acks each message.

The issue's target (≥ 0.10 of a raw pull that only acks) compares a consumer that commits to disk
with one that commits nothing; beside it, this shows how much of the gap is the durability every
consumer owes (decode, inbox, fsync'd commit) and how much is the framework and the handlers.
"""

from __future__ import annotations

import sqlite3
import time
import uuid
from pathlib import Path

from nats.errors import TimeoutError as FetchTimeout
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from ideapaja_contracts import decode

BATCH = 50  # the runtime's CONSUMER_BATCH_SIZE default

SCHEMA = """
CREATE TABLE IF NOT EXISTS inbox (consumer TEXT NOT NULL, event_id TEXT NOT NULL,
  handled_at TEXT NOT NULL, PRIMARY KEY (consumer, event_id));
"""


async def durable_floor(
    js: JetStreamContext, stream: str, subject: str, count: int, database: Path
) -> float:
    """Consume ``count`` messages of ``subject`` from the start of ``stream`` as described above;
    the messages per second."""
    db = sqlite3.connect(database, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.executescript(SCHEMA)
    durable = f"bench-floor-{uuid.uuid4().hex[:8]}"
    config = ConsumerConfig(
        durable_name=durable,
        deliver_policy=DeliverPolicy.ALL,
        ack_policy=AckPolicy.EXPLICIT,
        filter_subject=subject,
        max_ack_pending=1000,
    )
    subscription = await js.pull_subscribe(subject, durable=durable, stream=stream, config=config)
    done = 0
    started = time.perf_counter()
    try:
        while done < count:
            try:
                messages = await subscription.fetch(min(BATCH, count - done), timeout=5)
            except FetchTimeout:
                break
            ids = [decode(m.headers, m.data)[0].id for m in messages]
            db.execute("BEGIN IMMEDIATE")
            marks = ",".join("?" * len(ids))
            seen = {
                row[0]
                for row in db.execute(
                    f"SELECT event_id FROM inbox WHERE consumer = ? AND event_id IN ({marks})",  # noqa: S608 - placeholders only
                    [durable, *ids],
                )
            }
            new = [(durable, i, time.time()) for i in ids if i not in seen]
            if new:
                db.execute(
                    "INSERT INTO inbox VALUES " + ",".join("(?, ?, ?)" for _ in new),  # noqa: S608
                    [value for row in new for value in row],
                )
            db.execute("COMMIT")
            for message in messages:
                await message.ack()
            done += len(messages)
        seconds = time.perf_counter() - started
    finally:
        await subscription.unsubscribe()
        await js.delete_consumer(stream, durable)
        db.close()
    return done / seconds if seconds > 0 else 0.0
