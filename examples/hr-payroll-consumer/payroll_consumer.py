"""HR/payroll's consumer of Ideapaja's granted rewards: one CSV row per grant, exactly once.

A plain nats-py program that imports nothing of Ideapaja. It reads
``ideapaja.reward.granted.v1`` through its own durable pull consumer (``payroll``), checks each
message against the published JSON Schema, appends a row to the payroll CSV (flushed and
fsync'ed), and only then acknowledges the message. Grant ids already in the CSV are skipped, so
a message delivered again after a crash (written, not yet acknowledged) never makes a second row.
A message that is not a valid grant is terminated with the reason (and logged, and kept in the
rejects file): never silently dropped, never retried for ever.

    python payroll_consumer.py --nats-url nats://nats.example:4222 --user payroll \\
        --password-env NATS_PAYROLL_PASSWORD \\
        --schema ideapaja.reward.granted.v1.json --csv payroll.csv

See README.md beside this file.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import json
import logging
import os
import signal
import sys
from pathlib import Path
from typing import Any

import nats
from jsonschema import Draft202012Validator
from nats.errors import TimeoutError as NatsTimeout
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError

SUBJECT = "ideapaja.reward.granted.v1"
COLUMNS = (
    "grant_id",
    "person_id",
    "kind",
    "amount",
    "currency",
    "taxable",
    "unit_id",
    "department_id",
    "period",
    "reason",
    "reason_code",
    "approval_trail_id",
    "days",
    "idea_id",
    "event_time",
)
# A cell starting with one of these would run as a formula in a spreadsheet.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

log = logging.getLogger("payroll")


def cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


class PayrollFile:
    """The CSV and the grant ids already in it. A line a crash left half-written is cut off at
    start-up (its message was not acknowledged, so it comes again)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.grant_ids: set[str] = set()
        if path.exists() and path.stat().st_size:
            data = path.read_bytes()
            if not data.endswith(b"\n"):
                with path.open("r+b") as handle:
                    handle.truncate(data.rfind(b"\n") + 1)
                    os.fsync(handle.fileno())
                log.warning("cut a half-written last line from %s", path)
            with path.open(newline="", encoding="utf-8") as handle:
                self.grant_ids = {row["grant_id"] for row in csv.DictReader(handle)}
        if not path.exists() or not path.stat().st_size:
            self._append(COLUMNS)

    def _append(self, cells: tuple[str, ...] | list[str]) -> None:
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerow(cells)
        with self.path.open("a", encoding="utf-8", newline="") as handle:
            handle.write(buffer.getvalue())
            handle.flush()
            os.fsync(handle.fileno())

    def add(self, grant: dict[str, Any], event_time: str) -> bool:
        """Append the grant's row (durably); False if the grant is already in the file."""
        if grant["grant_id"] in self.grant_ids:
            return False
        self._append([cell(grant.get(c)) for c in COLUMNS[:-1]] + [cell(event_time)])
        self.grant_ids.add(grant["grant_id"])
        return True


class Consumer:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        schema = json.loads(Path(args.schema).read_text(encoding="utf-8"))
        Draft202012Validator.check_schema(schema)
        self.validator = Draft202012Validator(schema)
        self.payroll = PayrollFile(Path(args.csv))
        self.rejects = Path(args.rejects) if args.rejects else Path(args.csv + ".rejected")
        self.stopping = asyncio.Event()

    def problem(self, msg: Any) -> tuple[dict[str, Any] | None, str | None]:
        """The grant in ``msg``, or why it is not a valid one."""
        event_type = (msg.headers or {}).get("ce-type")
        if event_type != SUBJECT:
            return None, f"ce-type is {event_type!r}, not {SUBJECT}"
        try:
            grant = json.loads(msg.data)
        except ValueError as exc:
            return None, f"not JSON: {exc}"
        errors = sorted(self.validator.iter_errors(grant), key=lambda e: list(e.path))
        if errors:
            where = "/".join(str(p) for p in errors[0].path) or "(message)"
            return None, f"does not match the schema at {where}: {errors[0].message}"
        return grant, None

    async def handle(self, nc: Any, msg: Any) -> None:
        grant, reason = self.problem(msg)
        if grant is None:
            await self.reject(nc, msg, reason or "invalid")
            return
        event_time = (msg.headers or {}).get("ce-time", "")
        if self.payroll.add(grant, event_time):
            log.info("booked grant %s for %s", grant["grant_id"], grant["person_id"])
        else:
            log.info("grant %s is already booked: acknowledged again", grant["grant_id"])
        await msg.ack_sync()  # only once the row is on disk

    async def reject(self, nc: Any, msg: Any, reason: str) -> None:
        seq = msg.metadata.sequence.stream
        log.error("rejected message %s: %s", seq, reason)
        record = {
            "stream_sequence": seq,
            "reason": reason,
            "data": msg.data.decode(errors="replace"),
        }
        with self.rejects.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(record) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        # Terminate with the reason (JetStream shows it in its advisory): no redelivery.
        await nc.publish(msg.reply, b"+TERM " + reason.encode()[:200])
        await nc.flush()

    async def subscription(self, nc: Any) -> Any:
        js = nc.jetstream()
        args = self.args
        try:
            await js.consumer_info(args.stream, args.durable)
        except NotFoundError:
            config = ConsumerConfig(
                name=args.durable,
                durable_name=args.durable,
                filter_subject=SUBJECT,
                deliver_policy=DeliverPolicy.ALL,
                ack_policy=AckPolicy.EXPLICIT,
                ack_wait=args.ack_wait,
                max_ack_pending=args.batch * 10,
            )
            await js.add_consumer(args.stream, config)
            log.info("created the durable consumer %s on %s", args.durable, args.stream)
        return await js.pull_subscribe_bind(args.durable, args.stream)

    async def run(self) -> None:
        args = self.args
        password = os.environ.get(args.password_env) if args.password_env else None
        nc = await nats.connect(
            # One server, or a cluster's servers comma-separated (it fails over between them).
            servers=[url.strip() for url in args.nats_url.split(",") if url.strip()],
            user=args.user,
            password=password,
            inbox_prefix=f"_INBOX_{args.user}" if args.user else "_INBOX",
            name="hr-payroll-consumer",
        )
        try:
            sub = await self.subscription(nc)
            log.info("reading %s; %d grants already booked", SUBJECT, len(self.payroll.grant_ids))
            while not self.stopping.is_set():
                try:
                    batch = await sub.fetch(args.batch, timeout=args.fetch_timeout)
                except NatsTimeout:
                    continue
                for msg in batch:
                    await self.handle(nc, msg)
        finally:
            # Whatever was fetched and not acknowledged comes again (to this file's check).
            await nc.close()


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--nats-url",
        default="nats://127.0.0.1:4222",
        help="one URL, or a cluster's comma-separated",
    )
    parser.add_argument("--user", default="payroll", help="NATS user (deploy/nats/nats.conf)")
    parser.add_argument(
        "--password-env",
        default="NATS_PAYROLL_PASSWORD",
        help="environment variable holding the NATS password (empty: none)",
    )
    parser.add_argument("--schema", required=True, help="ideapaja.reward.granted.v1.json")
    parser.add_argument("--csv", required=True, help="the payroll CSV to append to")
    parser.add_argument("--rejects", help="where invalid messages are kept (CSV + .rejected)")
    parser.add_argument("--stream", default="IDEAPAJA")
    parser.add_argument("--durable", default="payroll")
    parser.add_argument("--batch", type=int, default=10)
    parser.add_argument("--fetch-timeout", type=float, default=2.0)
    parser.add_argument("--ack-wait", type=float, default=30.0)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s", stream=sys.stderr
    )
    consumer = Consumer(arguments(argv))

    async def run() -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, consumer.stopping.set)
        await consumer.run()

    asyncio.run(run())


if __name__ == "__main__":
    main()
