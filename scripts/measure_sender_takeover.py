"""How long e-mails in flight wait after the notification service is SIGKILLed mid-send.

Runs the notification service as its own process (``python -m ideapaja_runtime.serve``, as
``ideapaja up`` does) on a fresh SQLite database (as in the embedded stack) with its own
nats-server, and an SMTP catcher in this process that takes each message's data, records its
Message-ID and then keeps the reply back until released (the mail may have been accepted: the
crash window).
Queues ``--mails`` deliveries, waits until the sender is inside the first one's DATA, SIGKILLs
the process, starts it again and times, from that restart, when every delivery is recorded as
sent. Compare two sources of the notification service with the same script::

    .venv/bin/python scripts/measure_sender_takeover.py                    # this tree
    .venv/bin/python scripts/measure_sender_takeover.py --source /tmp/main # another tree's src
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sqlite3
import sys
import tempfile
import time
import uuid
from asyncio.subprocess import Process
from collections.abc import Callable
from datetime import UTC, datetime
from email.parser import BytesHeaderParser
from pathlib import Path
from typing import IO

from ideapaja_runtime.testing import DevKeys, NatsServer, free_port


class Catcher:
    """SMTP that records every message's Message-ID once its data is in, and answers it once
    ``released`` is set."""

    def __init__(self) -> None:
        self.released = asyncio.Event()
        self.message_ids: list[str] = []
        self.in_data = 0
        self.port = 0

    async def start(self) -> None:
        server = await asyncio.start_server(self._converse, "127.0.0.1", 0)
        self.port = server.sockets[0].getsockname()[1]

    async def _converse(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        async def reply(line: str) -> None:
            writer.write(f"{line}\r\n".encode())
            await writer.drain()

        try:
            await reply("220 catcher ESMTP")
            while line := (await reader.readline()).decode().strip().upper():
                if line.startswith(("EHLO", "HELO")):
                    await reply("250 catcher")
                elif line.startswith(("MAIL", "RCPT", "RSET", "NOOP")):
                    await reply("250 OK")
                elif line == "DATA":
                    await reply("354 go on")
                    data = await reader.readuntil(b"\r\n.\r\n")
                    headers = BytesHeaderParser().parsebytes(data)
                    self.message_ids.append(str(headers["Message-ID"]))
                    self.in_data += 1
                    await self.released.wait()
                    await reply("250 accepted")
                elif line == "QUIT":
                    await reply("221 bye")
                    break
                else:
                    await reply("502 no")
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()


def statuses(path: Path) -> dict[str, str]:
    with sqlite3.connect(path) as conn:
        return dict(conn.execute("SELECT id, status FROM deliveries").fetchall())


def queue(path: Path, count: int) -> list[str]:
    # As SQLAlchemy stores a UtcDateTime on SQLite: naive UTC text, one format (compared as text).
    now = datetime.now(UTC).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
    ids = [f"d-{uuid.uuid4().hex[:12]}" for _ in range(count)]
    rows = [
        (i, f"e-{i}", "ideapaja.review.decided.v1", "p-1", "email", "idea_accepted", "fi",
         "p-1@vaasa.example", "Aihe", "Teksti", "pending", 0, now, now)
        for i in ids
    ]  # fmt: skip
    columns = (
        "id, cause_event_id, cause_event_type, person_id, channel, template, language, address, "
        "subject, body, status, attempts, next_attempt_at, created_at"
    )
    with sqlite3.connect(path) as conn:
        conn.executemany(
            f"INSERT INTO deliveries ({columns}) VALUES ({', '.join('?' * 14)})",  # noqa: S608
            rows,
        )
    return ids


async def wait_for(check: Callable[[], bool], timeout: float, what: str) -> float:  # noqa: ASYNC109
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if check():
            return time.monotonic() - started
        await asyncio.sleep(0.1)
    raise TimeoutError(f"{what}: not within {timeout} s")


async def measure(args: argparse.Namespace) -> dict[str, object]:
    catcher = Catcher()
    await catcher.start()
    nats = NatsServer()
    nats.start()
    work = Path(tempfile.mkdtemp(prefix="sender-takeover-"))
    path = work / "notification.db"
    database_url = f"sqlite+aiosqlite:///{path}"
    env = dict(os.environ)
    env.update(
        {
            "IDEAPAJA_NOTIFICATION_DATABASE_URL": database_url,
            "IDEAPAJA_NOTIFICATION_NATS_URL": nats.url,
            "IDEAPAJA_NOTIFICATION_HTTP_PORT": str(free_port()),
            "IDEAPAJA_NOTIFICATION_AUTH_PUBLIC_KEY": DevKeys().public_pem,
            "IDEAPAJA_NOTIFICATION_SMTP_PORT": str(catcher.port),
            "PYTHONUNBUFFERED": "1",
        }
    )
    if args.source:
        env["PYTHONPATH"] = os.pathsep.join([args.source, env.get("PYTHONPATH", "")])
    argv = [sys.executable, "-m", "ideapaja_runtime.serve", "notification"]
    logs = [(work / f"run{n}.log").open("wb") for n in (1, 2)]

    async def spawn(log: IO[bytes]) -> Process:
        return await asyncio.create_subprocess_exec(
            *argv, env=env, stdout=log, stderr=asyncio.subprocess.STDOUT
        )

    first = await spawn(logs[0])
    second: Process | None = None
    try:

        def migrated() -> bool:
            try:
                statuses(path)
            except Exception:
                return False
            return True

        await wait_for(migrated, 300, "first start")
        ids = queue(path, args.mails)
        await wait_for(lambda: catcher.in_data >= 1, 120, "first mail in DATA")
        first.send_signal(signal.SIGKILL)
        await first.wait()
        catcher.released.set()
        restarted = time.monotonic()
        restarted_wall = time.time()
        second = await spawn(logs[1])
        sent_at: dict[str, float] = {}

        def all_sent() -> bool:
            now = time.monotonic() - restarted
            for delivery_id, status in statuses(path).items():
                if status == "sent":
                    sent_at.setdefault(delivery_id, now)
            return len(sent_at) == len(ids)

        await wait_for(all_sent, args.timeout, "all sent after the restart")
        begun = ids[0]
        lines = (work / "run2.log").read_text().splitlines()
        held = [line for line in lines if "held_by" in line]
        started = next(json.loads(line) for line in lines if '"service_started"' in line)
        started_at = datetime.fromisoformat(started["timestamp"]).timestamp() - restarted_wall
        return {
            "source": args.source or "this tree",
            "mails": args.mails,
            # The process's own start (imports, migrations, NATS) on a loaded machine.
            "service_started_after_restart_s": round(started_at, 1),
            "begun_sent_after_restart_s": round(sent_at[begun], 1),
            "unbegun_sent_after_restart_s": round(max(sent_at[i] for i in ids[1:]), 1),
            "all_sent_after_restart_s": round(max(sent_at.values()), 1),
            "message_ids_seen_twice": len(catcher.message_ids) - len(set(catcher.message_ids)),
            "held_log": [json.loads(line) if line.startswith("{") else line for line in held],
        }
    finally:
        for process in (first, second):
            if process is not None and process.returncode is None:
                process.terminate()
                await asyncio.wait_for(process.wait(), 30)
        nats.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--source", help="a notification src directory to run instead")
    parser.add_argument("--mails", type=int, default=5)
    parser.add_argument("--timeout", type=float, default=1200.0)
    print(json.dumps(asyncio.run(measure(parser.parse_args())), indent=2))


if __name__ == "__main__":
    main()
