"""The reliability suite's harness: the embedded stack as `ideapaja up` runs it (``Stack`` from
tests/e2e, its own nats-server and state directory), a known workload driven through the public
APIs, faults injected into processes this test started (by pid), and counts taken afterwards in
every service (read-only queries of its SQLite file, or of its PostgreSQL database: postgres.py),
in the JetStream stream, at the mail catcher (by Message-ID) and in an outside payroll consumer's
CSV (examples/hr-payroll-consumer, run as is).
"""

from __future__ import annotations

import asyncio
import csv
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from email.parser import BytesHeaderParser
from pathlib import Path
from typing import Any

import httpx
import nats
from e2e_stack import Stack
from expectations import notice_counts
from postgres import PostgresDatabases
from second_relay import publishes_logged

from ideapaja_runtime.settings import nats_servers

ROOT = Path(__file__).resolve().parents[2]
PAYROLL_SCRIPT = ROOT / "examples" / "hr-payroll-consumer" / "payroll_consumer.py"
GRANTED_SCHEMA = ROOT / "contracts" / "schemas" / "ideapaja.reward.granted.v1.json"
TITLE_PREFIX = "Luotettavuuskoe"

# Units of the demo organisation that have a change agent, with the employees who write ideas
# there (authors), support them and comment on them. A change agent decides the unit's cases.
UNITS: dict[str, dict[str, str]] = {
    "u-kirjasto": {"agent": "p-1001", "author": "p-1003", "supporter": "p-1002"},
    "u-tahtitarha": {"agent": "p-1005", "author": "p-1006", "supporter": "p-1004"},
    "u-kotihoito": {"agent": "p-1008", "author": "p-1009", "supporter": "p-1007"},
    "u-terveysasema": {"agent": "p-1011", "author": "p-1024", "supporter": "p-1010"},
}

# Limits meant for people, not for one test client writing a thousand ideas from one address.
WORKLOAD_ENV = {
    "IDEAPAJA_INTAKE_SUBMISSIONS_PER_HOUR": "1000000",
    "IDEAPAJA_INTAKE_RATE_LIMIT_PER_IP_SUBMISSIONS": "",
}

RETRYABLE = {429, 500, 502, 503, 504}


def stop_process(process: subprocess.Popen[bytes] | None, grace: float) -> None:
    """SIGTERM ``process`` (unless it has exited) and give it ``grace`` seconds to finish its
    work before killing it."""
    if process is not None and process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(grace)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def process_children(pid: int) -> list[int]:
    children: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            children += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return children


def cmdline(pid: int) -> list[str]:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
        return raw.decode(errors="replace").rstrip("\0").split("\0")
    except OSError:
        return []


def comm(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


@dataclass
class FaultStack(Stack):
    """The embedded stack, plus the processes of it that a fault is aimed at."""

    tokens: dict[str, dict[str, str]] = field(default_factory=dict)
    # Six services importing at once on a machine shared with other test runs (load 20+ on two
    # cores) have been seen to take over 90 s before their first log line.
    ready_timeout: float = 300.0
    # Every service on PostgreSQL, a database each for this run (None: SQLite in state_dir).
    postgres: PostgresDatabases | None = None

    def start(self, **up: Any) -> None:
        if self.postgres is not None:
            up["args"] = [*up.get("args", ()), "--database-url", self.postgres.database_url]
        self.up(env={**WORKLOAD_ENV, **up.pop("env", {})}, **up)

    def pid_of(self, name: str) -> int:
        """The pid of one of the runner's children: a service, 'nats-server' or 'mailcatcher'."""
        assert self.process is not None
        for child in process_children(self.process.pid):
            args = cmdline(child)
            if name == "nats-server" and args and args[0].endswith("nats-server"):
                return child
            if name == "mailcatcher" and "ideapaja_runner.mailcatcher" in args:
                return child
            if "ideapaja_runtime.serve" in args and args[-1] == name:
                return child
            if "ideapaja_runner.forkserver" in args and comm(child) == name[:15]:
                return child  # forked from the runner's fork server: named in comm
        raise LookupError(f"{name} is not running under the runner (pid {self.process.pid})")

    def signal(self, name: str, sig: signal.Signals) -> int:
        pid = self.pid_of(name)
        os.kill(pid, sig)
        return pid

    def wait_restarted(self, name: str, old_pid: int, timeout: float = 120.0) -> float:
        """Seconds until the runner has started ``name`` again and (a service) it is ready."""
        started = time.monotonic()
        deadline = started + timeout
        while time.monotonic() < deadline:
            try:
                pid = self.pid_of(name)
            except LookupError:
                pid = old_pid
            if pid != old_pid and self.ready(name):
                return time.monotonic() - started
            time.sleep(0.2)
        raise AssertionError(f"{name} was not restarted within {timeout}s\n{self.runner_log()}")

    def ready(self, name: str, probe_timeout: float = 2.0) -> bool:
        if name not in self.service_ports:
            return True
        try:
            return httpx.get(f"{self.url(name)}/readyz", timeout=probe_timeout).status_code == 200
        except httpx.HTTPError:
            return False

    def headers(self, person: str, *roles: str, unit: str) -> dict[str, str]:
        if person not in self.tokens:
            self.tokens[person] = self.token(person, "employee", *roles, units=(unit,))
        return self.tokens[person]

    def database(self, service: str) -> Path:
        return self.state_dir / f"{service}.db"

    def duplicate_publishes(self) -> Counter[str]:
        """Per service, the publishes JetStream answered "duplicate" (its relay's log): rows
        published again whose first copy the stream already held (an ack lost on the way, or
        a relay that died between the publish and recording it)."""
        return Counter(
            {
                name: publishes_logged(self.state_dir / "logs" / f"{name}.log")[1]
                for name in self.service_ports
            }
        )

    def not_ready(self, probe_timeout: float = 2.0) -> list[str]:
        """The services whose /readyz does not answer 200 (within ``probe_timeout``)."""
        return [name for name in self.service_ports if not self.ready(name, probe_timeout)]

    def wait_ready(self, timeout: float, probe_timeout: float = 2.0) -> None:
        """Until every service is ready again (after a fault that did not restart them)."""
        deadline = time.monotonic() + timeout
        while waiting := self.not_ready(probe_timeout):
            assert time.monotonic() < deadline, f"not ready {timeout} s after the fault: {waiting}"
            time.sleep(0.2)

    def query(self, service: str, sql: str) -> list[tuple[Any, ...]]:
        """A read-only query of a service's database (never a write lock): the one place the
        counting knows which kind of database it reads (the SQL is the same on both)."""
        if self.postgres is not None:
            return self.postgres.query(service, sql)
        uri = f"file:{self.database(service)}?mode=ro"
        with sqlite3.connect(uri, uri=True, timeout=30) as db:
            return db.execute(sql).fetchall()


class Payroll:
    """The outside payroll consumer (examples/hr-payroll-consumer), run unchanged as its own
    process with the runner's `payroll` NATS user; its CSV is what HR/payroll received."""

    def __init__(self, stack: FaultStack, directory: Path) -> None:
        self.stack = stack
        self.csv = directory / "payroll.csv"
        self.log = directory / "payroll.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        credentials = self.stack.nats_credentials("payroll")
        command = [
            sys.executable, str(PAYROLL_SCRIPT),
            "--nats-url", self.stack.nats_url, "--user", "payroll",
            "--password-env", "RELIABILITY_PAYROLL_PASSWORD",
            "--schema", str(GRANTED_SCHEMA), "--csv", str(self.csv),
            "--batch", "50", "--fetch-timeout", "1",
        ]  # fmt: skip
        self.process = subprocess.Popen(
            command,
            stdout=self.log.open("ab"),
            stderr=subprocess.STDOUT,
            env={**os.environ, "RELIABILITY_PAYROLL_PASSWORD": credentials["password"]},
        )

    def stop(self) -> None:
        stop_process(self.process, grace=20)
        self.process = None

    def restart_if_dead(self) -> None:
        """nats-py gives up reconnecting after a while; HR's supervisor would start it again."""
        if self.process is not None and self.process.poll() is not None:
            self.start()

    def rows(self) -> list[dict[str, str]]:
        if not self.csv.exists():
            return []
        with self.csv.open(newline="", encoding="utf-8") as handle:
            return list(csv.DictReader(handle))


@dataclass
class Workload:
    """N ideas: submitted (each with an Idempotency-Key, retried as a careful client does),
    every second one supported by a colleague, every third one commented on by the change
    agent, and each accepted by its unit's change agent."""

    stack: FaultStack
    ideas: int
    concurrency: int = 8
    idea_ids: list[str] = field(default_factory=list)
    retries: Counter[str] = field(default_factory=Counter)
    done: int = 0

    def plan(self, i: int) -> tuple[str, dict[str, str]]:
        unit = list(UNITS)[i % len(UNITS)]
        return unit, UNITS[unit]

    async def call(
        self, client: httpx.AsyncClient, method: str, url: str, ok: set[int], **kwargs: Any
    ) -> httpx.Response:
        """One request, retried through connection failures and 5xx (the service may be dead
        or restarting) until it answers one of ``ok``."""
        deadline = time.monotonic() + 300
        while True:
            try:
                response = await client.request(method, url, **kwargs)
                if response.status_code in ok:
                    return response
                if response.status_code not in RETRYABLE:
                    raise AssertionError(f"{method} {url}: {response.status_code} {response.text}")
                self.retries[f"{method} {response.status_code}"] += 1
            except httpx.TransportError as exc:
                self.retries[f"{method} {type(exc).__name__}"] += 1
            if time.monotonic() > deadline:
                raise AssertionError(f"{method} {url} kept failing for 300 s")
            await asyncio.sleep(0.5)

    async def one(self, client: httpx.AsyncClient, run: str, i: int) -> None:
        unit, people = self.plan(i)
        stack = self.stack
        author = stack.headers(people["author"], unit=unit)
        agent = stack.headers(people["agent"], "change_agent", unit=unit)
        created = await self.call(
            client, "POST", f"{stack.url('intake')}/ideas", {201},
            headers={**author, "Idempotency-Key": f"{run}-idea-{i}"},
            json={
                "title": f"{TITLE_PREFIX} {run} {i}",
                "problem": "Asiakkaat jonottavat palvelutiskillä aamuisin.",
                "solution": "Ajanvaraus verkossa ja tekstiviestimuistutus.",
                "scope": "unit", "unit_id": unit, "language": "fi",
            },
        )  # fmt: skip
        idea_id = str(created.json()["id"])
        self.idea_ids.append(idea_id)
        intake = f"{stack.url('intake')}/ideas/{idea_id}"
        if i % 2 == 0:
            supporter = stack.headers(people["supporter"], unit=unit)
            await self.call(
                client, "POST", f"{intake}/support", {200, 201},
                headers={**supporter, "Idempotency-Key": f"{run}-support-{i}"},
            )  # fmt: skip
        if i % 3 == 0:
            await self.call(
                client, "POST", f"{intake}/comments", {201},
                headers={**agent, "Idempotency-Key": f"{run}-comment-{i}"},
                json={"body": "Hyvä ajatus, selvitetään kustannukset."},
            )  # fmt: skip
        await self.decide(client, idea_id, agent)
        self.done += 1

    async def decide(self, client: httpx.AsyncClient, idea_id: str, agent: dict[str, str]) -> None:
        review = self.stack.url("review")
        deadline = time.monotonic() + 300
        while True:  # the case exists once review has consumed idea.submitted
            case = await self.call(
                client, "GET", f"{review}/cases/by-idea/{idea_id}", {200, 404}, headers=agent
            )
            if case.status_code == 200 and agent_id(agent) in case.json()["reviewer_ids"]:
                break
            if time.monotonic() > deadline:
                raise AssertionError(f"no case for {idea_id} within 300 s")
            await asyncio.sleep(0.5)
        body = {"decision": "accepted", "rationale": "Kokeillaan ensi kuussa."}
        url = f"{review}/cases/{case.json()['id']}/decision"
        answer = await self.call(client, "POST", url, {200, 201, 409}, headers=agent, json=body)
        if answer.status_code == 409:  # a retry of a decision that was stored: it must be ours
            again = await self.call(client, "GET", f"{review}/cases/by-idea/{idea_id}", {200},
                                    headers=agent)  # fmt: skip
            assert again.json()["decision"] == "accepted", again.text

    async def run(self, run: str, start: int = 0, count: int | None = None) -> None:
        todo = list(range(start, start + (self.ideas if count is None else count)))
        gate = asyncio.Semaphore(self.concurrency)
        async with httpx.AsyncClient(timeout=60) as client:

            async def guarded(i: int) -> None:
                async with gate:
                    await self.one(client, run, i)

            await asyncio.gather(*(guarded(i) for i in todo))


def agent_id(headers: dict[str, str]) -> str:
    """The person id in a dev token (its payload's ``sub``)."""
    import base64

    payload = headers["Authorization"].split()[1].split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return str(claims["sub"])


Fault = Callable[[], Awaitable[float]]


async def run_with_faults(workload: Workload, run: str, faults: list[tuple[float, Fault]]) -> float:
    """Drive the workload and inject each fault once that share of the ideas is done (the
    rest in flight); a fault returns its recovery time, and this the longest of them."""
    driver = asyncio.create_task(workload.run(run))
    recovery = 0.0
    for after, fault in faults:
        while workload.done < workload.ideas * after and not driver.done():
            await asyncio.sleep(0.1)
        recovery = max(recovery, await fault())
    await driver
    return recovery


# -- counting -------------------------------------------------------------------------------------


@dataclass
class Counts:
    found: dict[str, int]
    duplicated: dict[str, int]
    resent_mails: int
    # Inbox items and e-mail deliveries of each kind (``inbox:<kind>``, ``email:<kind>``): what
    # a failure shows next to the expected ones, to name the notice that went missing.
    by_kind: dict[str, int] = field(default_factory=dict)

    def lost(self, expected: dict[str, int]) -> dict[str, int]:
        return {k: expected[k] - self.found.get(k, 0) for k in expected}


def message_key(message_id: str) -> str:
    """The delivery id a Message-ID (``<delivery-id@domain>``) was derived from."""
    return message_id.strip().strip("<>").split("@")[0]


def mails(stack: FaultStack) -> list[tuple[str, str, str]]:
    """(Message-ID, recipient, subject) of every mail the catcher received, from its files."""
    parser = BytesHeaderParser()
    result = []
    for eml in sorted((stack.state_dir / "mail").glob("*.eml")):
        headers = parser.parsebytes(eml.read_bytes())
        result.append((str(headers["Message-ID"]), str(headers["To"]), str(headers["Subject"])))
    return result


async def stream_events(stack: FaultStack) -> Counter[str]:
    """How many messages of each type the IDEAPAJA stream holds, and of them how many carry
    a Nats-Msg-Id seen before (``dup:<type>``: the stream's dedupe window let one through)."""
    nc = await nats.connect(servers=nats_servers(stack.nats_url), **stack.nats_credentials("admin"))
    js = nc.jetstream()
    counts: Counter[str] = Counter()
    seen: set[str] = set()
    try:
        info = await js.stream_info("IDEAPAJA")
        last = info.state.last_seq
        sub = await js.subscribe(">", stream="IDEAPAJA", ordered_consumer=True)
        read = 0
        while read < info.state.messages:
            msg = await sub.next_msg(timeout=10)
            read += 1
            headers = msg.headers or {}
            kind = headers.get("ce-type", "?")
            msg_id = headers.get("Nats-Msg-Id", "")
            counts[kind] += 1
            if msg_id and msg_id in seen:  # (only a message published without one has none)
                counts[f"dup:{kind}"] += 1
            seen.add(msg_id)
            if msg.metadata.sequence.stream >= last:
                break
        await sub.unsubscribe()
    finally:
        await nc.close()
    return counts


async def backlog(stack: FaultStack) -> dict[str, int]:
    """Messages each durable consumer of the IDEAPAJA stream has not yet acknowledged (waiting,
    in flight, or held back by a RetryLater): zero everywhere once every consumer caught up."""
    nc = await nats.connect(servers=nats_servers(stack.nats_url), **stack.nats_credentials("admin"))
    try:
        consumers = await nc.jetstream().consumers_info("IDEAPAJA")
    finally:
        await nc.close()
    return {
        c.name: c.num_pending + c.num_ack_pending
        for c in consumers
        if c.num_pending or c.num_ack_pending
    }


def count(stack: FaultStack, payroll: Payroll, run: str) -> Counts:
    prefix = f"{TITLE_PREFIX} {run} "
    ideas = {i for i, title in stack.query("intake", "SELECT id, title FROM ideas")
             if title.startswith(prefix)}  # fmt: skip
    found: dict[str, int] = {}
    dup: dict[str, int] = {}

    def ours(service: str, sql: str) -> list[tuple[Any, ...]]:
        """The rows of ``sql`` (its first column an idea id) that belong to this run."""
        return [row[1:] for row in stack.query(service, sql) if row[0] in ideas]

    def tally(name: str, rows: list[tuple[Any, ...]]) -> None:
        keys = Counter(rows)
        found[name] = len(keys)
        dup[name] = sum(n - 1 for n in keys.values())

    tally("ideas", [(i,) for i in ideas])
    tally("supports", ours("intake", "SELECT idea_id, idea_id, person_id FROM idea_supports"))
    tally("comments", ours("intake", "SELECT idea_id, idea_id, body FROM idea_comments"))
    tally("cases", ours("review", "SELECT idea_id, idea_id FROM review_cases"))
    tally("decisions", ours("review", "SELECT idea_id, idea_id FROM review_cases "
                                      "WHERE decision = 'accepted'"))  # fmt: skip
    tally("ledger", ours("reward", "SELECT idea_id, idea_id, person_id, rule, reason "
                                   "FROM points_ledger"))  # fmt: skip
    grants = ours("reward", "SELECT idea_id, grant_id FROM reward_grants")
    grant_ids = {g[0] for g in grants}
    tally("grants", grants)
    tally("payroll", [(r["grant_id"],) for r in payroll.rows() if r["grant_id"] in grant_ids])
    inbox = ours("notification", "SELECT idea_id, person_id, kind, cause_event_id FROM inbox_items")
    tally("inbox", inbox)
    tally("digest_items", ours("notification", "SELECT idea_id, person_id, kind, cause_event_id "
                                               "FROM digest_items"))  # fmt: skip
    deliveries = ours(
        "notification",
        "SELECT idea_id, id, person_id, template, cause_event_id, status FROM deliveries "
        "WHERE channel = 'email'",
    )
    tally("deliveries", [(p, t, c) for _, p, t, c, _ in deliveries])
    found["deliveries_sent"] = sum(1 for d in deliveries if d[4] == "sent")
    by_kind = Counter(f"inbox:{kind}" for _, kind, _ in set(inbox))
    by_kind.update(
        f"email:{template}" for _, template, _ in {(p, t, c) for _, p, t, c, _ in deliveries}
    )
    effect = {d[0]: (d[1], d[2], d[3]) for d in deliveries}
    received = [m for m in mails(stack) if message_key(m[0]) in effect]
    by_id = Counter(message_key(m[0]) for m in received)
    found["mails"] = len(by_id)
    # A re-send in the documented crash window carries the same Message-ID: counted apart.
    resent = sum(n - 1 for n in by_id.values())
    # Two Message-IDs for one effect (person, template, cause) would be a real double.
    dup["mails"] = sum(n - 1 for n in Counter(effect[k] for k in by_id).values())
    return Counts(found, dup, resent, dict(by_kind))


def expected(workload: Workload) -> dict[str, int]:
    """What the workload must leave behind, each term derived from the workload's plan and the
    rules of the service that makes it (nothing here is a number read off a run):

    - intake: N ideas; a support for every second idea (i even), a comment on every third
      (i divisible by 3);
    - review: a case and an accepted decision per idea;
    - reward: two ledger entries per idea (5 points for the submission, 50 for the acceptance),
      each with its grant, and every grant a row in the payroll consumer's CSV; supports earn
      nothing;
    - notification (``expectations.notices``, per idea): ``idea_received`` and
      ``idea_screening_started`` to the author; ``case_to_screen`` to each of the unit's change
      agents and supervisors; ``idea_commented`` to the author of a commented idea;
      ``idea_accepted`` to the author; ``supported_idea_decided`` to the supporter of a supported
      idea; ``reward_granted`` twice to the author. Every notice is an inbox item. Whether it is
      also an e-mail follows the default preferences of the recipient's roles in the demo
      organisation: the low-priority kinds (received, screening started, commented) go to an
      employee's daily digest (a digest item, no delivery: the 07:00 Helsinki digest is not
      built during the run) but at once to a change agent, supervisor or committee member (the
      author in u-terveysasema is a committee member); every other kind is e-mailed at once. For
      60 ideas: 470 inbox items, 365 e-mail deliveries (each sent, each one mail at the catcher)
      and 105 digest items.
    """
    n = workload.ideas
    comments = len(range(0, n, 3))
    notices = notice_counts([(i, *workload.plan(i)) for i in range(n)])
    return {
        "ideas": n,
        "supports": len(range(0, n, 2)),
        "comments": comments,
        "cases": n,
        "decisions": n,
        "ledger": 2 * n,
        "grants": 2 * n,
        "payroll": 2 * n,
        "inbox": notices["inbox"],
        "digest_items": notices["digest"],
        "deliveries": notices["email"],
        "deliveries_sent": notices["email"],
        "mails": notices["email"],
    }


@dataclass
class Outcome:
    """One scenario's row of the table in deploy/RELIABILITY.md."""

    scenario: str
    ideas: int
    fault: str
    recovery_seconds: float
    catch_up_seconds: float
    lost: dict[str, int]
    duplicated: dict[str, int]
    resent_mails: int
    client_retries: dict[str, int]
    dead_letters: int = 0

    def row(self) -> str:
        lost = sum(v for v in self.lost.values() if v > 0)
        dup = sum(self.duplicated.values()) + sum(-v for v in self.lost.values() if v < 0)
        return (
            f"| {self.scenario} | {self.ideas} ideas | {self.fault} | "
            f"{self.recovery_seconds:.1f} s (+{self.catch_up_seconds:.1f} s to settle) | {lost} | "
            f"{dup} (mails re-sent with the same Message-ID: {self.resent_mails}) |"
        )


def verify(
    stack: FaultStack,
    payroll: Payroll,
    workload: Workload,
    run: str,
    *,
    scenario: str,
    fault: str,
    recovery: float,
    settle_timeout: float = 900.0,
) -> Outcome:
    """Count everything once the stack has settled; assert nothing lost and nothing doubled."""
    counts, catch_up = settle(stack, payroll, run, timeout=settle_timeout)
    stream = asyncio.run(stream_events(stack))
    doubled_in_stream = {k: v for k, v in stream.items() if k.startswith("dup:")}
    outcome = Outcome(
        scenario, workload.ideas, fault, recovery, catch_up,
        counts.lost(expected(workload)),
        {**counts.duplicated, **doubled_in_stream},
        counts.resent_mails, dict(workload.retries), asyncio.run(dead_letter_count(stack)),
    )  # fmt: skip
    record(outcome)
    wanted = notice_counts([(i, *workload.plan(i)) for i in range(workload.ideas)])
    kinds = {k: (wanted.get(k, 0), counts.by_kind.get(k, 0))
             for k in sorted({*counts.by_kind, *wanted}) if ":" in k
             and wanted.get(k, 0) != counts.by_kind.get(k, 0)}  # fmt: skip
    assert {k: v for k, v in outcome.lost.items() if v} == {}, (
        outcome,
        f"notices of each kind (expected, found): {kinds}",
        stack.runner_log(),
    )
    assert {k: v for k, v in outcome.duplicated.items() if v} == {}, (outcome, kinds)
    assert stack.nats_violations() == []
    return outcome


def run_scenario(
    stack: FaultStack,
    directory: Path,
    run: str,
    faults: list[tuple[float, Fault]],
    *,
    ideas: int,
    scenario: str,
    fault: Callable[[], str],
    concurrency: int = 12,
) -> Outcome:
    """A scenario on a stack of its own: the outside payroll consumer started (its CSV in
    ``directory``), ``ideas`` ideas driven with ``faults`` injected, every count verified.
    ``fault`` describes the fault once it has happened (e.g. which node was the leader)."""
    payroll = Payroll(stack, directory)
    payroll.start()
    try:
        work = Workload(stack, ideas=ideas, concurrency=concurrency)
        recovery = asyncio.run(run_with_faults(work, run, faults))
        return verify(
            stack, payroll, work, run, scenario=scenario, fault=fault(), recovery=recovery
        )
    finally:
        payroll.stop()


async def dead_letter_count(stack: FaultStack) -> int:
    """Messages in the dead-letter stream (cumulative over the stack's scenarios)."""
    nc = await nats.connect(servers=nats_servers(stack.nats_url), **stack.nats_credentials("admin"))
    try:
        return int((await nc.jetstream().stream_info("IDEAPAJA_DLQ")).state.messages)
    finally:
        await nc.close()


def record(outcome: Outcome) -> None:
    """Appends the scenario's row to $RELIABILITY_RESULTS (a JSON-lines file), if set."""
    path = os.environ.get("RELIABILITY_RESULTS")
    if path:
        with open(path, "a", encoding="utf-8") as handle:
            row = {**outcome.__dict__, "row": outcome.row(), "load_average": os.getloadavg()}
            handle.write(json.dumps(row) + "\n")
    print(outcome.row(), "load average {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))


def ideas_for_full_run() -> int:
    """The full suite's workload: at least 1,000 ideas (RELIABILITY_IDEAS may raise it; a
    smaller value is for trying a scenario out, never for the record)."""
    return int(os.environ.get("RELIABILITY_IDEAS", "1000"))


# -- faults ---------------------------------------------------------------------------------------


async def kill_and_recover(stack: FaultStack, name: str, sig: signal.Signals) -> float:
    """Send ``sig`` to ``name`` and leave the restart to the runner (its supervisor, F14):
    seconds until the new process is ready."""
    pid = stack.signal(name, sig)
    return await asyncio.to_thread(stack.wait_restarted, name, pid)


class WriteLock:
    """Another process holding SQLite's write lock on a service's database (BEGIN IMMEDIATE),
    as a backup tool or a stuck migration would: the service's writers wait, then fail."""

    SCRIPT = (
        "import sqlite3, sys, time\n"
        "db = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=60)\n"
        "db.execute('BEGIN IMMEDIATE')\n"
        "print('locked', flush=True)\n"
        "time.sleep(float(sys.argv[2]))\n"
        "db.execute('ROLLBACK')\n"
    )

    def __init__(self, database: Path, seconds: float) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", self.SCRIPT, str(database), str(seconds)],
            stdout=subprocess.PIPE,
        )
        assert self.process.stdout is not None
        assert self.process.stdout.readline().strip() == b"locked"

    def wait(self) -> None:
        assert self.process.wait(120) == 0


def settle(
    stack: FaultStack, payroll: Payroll, run: str, timeout: float = 600.0, quiet: float = 3.0
) -> tuple[Counts, float]:
    """Counts once every consumer has acknowledged everything, no e-mail is pending and
    nothing has changed for ``quiet`` seconds; and how long that took."""
    started = time.monotonic()
    last: dict[str, int] | None = None
    stable_since = time.monotonic()
    while time.monotonic() - started < timeout:
        payroll.restart_if_dead()
        counts = count(stack, payroll, run)
        pending = stack.query(
            "notification", "SELECT count(*) FROM deliveries WHERE status = 'pending'"
        )[0][0]
        try:
            behind = asyncio.run(backlog(stack))
        except Exception as exc:  # the nats-server restarting: ask again
            behind = {"nats": -1, type(exc).__name__: 0}
        snapshot = {**counts.found, "pending": pending, **behind}
        if snapshot != last:
            print(f"{time.monotonic() - started:6.1f} s {snapshot}", flush=True)
            last, stable_since = snapshot, time.monotonic()
        elif time.monotonic() - stable_since >= quiet and pending == 0 and not behind:
            return counts, stable_since - started
        time.sleep(1.0)
    raise AssertionError(f"the stack did not settle within {timeout}s: {last}")
