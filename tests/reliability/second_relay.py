"""A second outbox relay on a service's outbox, as a second replica of the service would run
(F5): the runtime's own ``OutboxRelay`` against the service's database, connected to NATS as the
service's user, polling every ``--poll-seconds``. It logs each publish as the services do
(``event_published`` with JetStream's ``duplicate`` flag, JSON on stderr) and stops on SIGTERM
after a last drain. A test starts it through ``SecondRelay``.

    python second_relay.py SERVICE DATABASE_URL NATS_URL STATE_DIR [--poll-seconds 0.2]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import subprocess
import sys
from pathlib import Path

import nats

from ideapaja_runtime.db import Database
from ideapaja_runtime.logging import configure_logging
from ideapaja_runtime.nats_permissions import inbox_prefix
from ideapaja_runtime.relay import OutboxRelay
from ideapaja_runtime.settings import ServiceSettings, nats_servers


class SecondRelay:
    """This script as a child of the test; ``published()`` reads its log afterwards."""

    def __init__(self, service: str, database_url: str, nats_url: str, state_dir: Path) -> None:
        self.service = service
        self.log = state_dir.parent / f"second-relay-{service}.log"
        command = [sys.executable, __file__, service, database_url, nats_url, str(state_dir)]
        with self.log.open("ab") as out:  # the child keeps its own copy of the descriptor
            self.process = subprocess.Popen(command, stderr=out)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(30)

    def published(self) -> tuple[int, int]:
        """(events this relay published, of them how many JetStream already held)."""
        return publishes_logged(self.log)


def publishes_logged(log: Path) -> tuple[int, int]:
    """(events a relay logged as published in ``log``, of them how many JetStream answered
    "duplicate": it held them already). A service's log or this script's; none if absent."""
    total = duplicates = 0
    for line in log.read_text(errors="replace").splitlines() if log.exists() else []:
        if '"event_published"' in line:
            total += 1
            duplicates += json.loads(line).get("duplicate") is True
    return total, duplicates


async def main(args: argparse.Namespace) -> None:
    configure_logging(f"{args.service}-second-relay")
    passwords = json.loads((Path(args.state_dir) / "nats-users.json").read_text())
    nc = await nats.connect(
        servers=nats_servers(args.nats_url),
        user=args.service,
        password=passwords[args.service],
        inbox_prefix=inbox_prefix(args.service),
        max_reconnect_attempts=-1,
    )
    db = Database(args.database_url)
    relay = OutboxRelay(
        db, nc.jetstream(), stream=ServiceSettings().lifecycle_stream, poll_seconds=args.poll
    )
    stopping = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stopping.set)
    relay.start()
    await stopping.wait()
    await relay.stop()
    await nc.close()
    await db.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    for name in ("service", "database_url", "nats_url", "state_dir"):
        parser.add_argument(name)
    parser.add_argument("--poll-seconds", dest="poll", type=float, default=0.2)
    asyncio.run(main(parser.parse_args()))
