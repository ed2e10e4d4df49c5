"""Row 2 (and row 5's memory and start-up): the whole embedded stack under open-loop load.

``ideapaja up --demo`` (fresh state directory, free ports, per-person and per-address submission
limits raised through intake's settings) with every service running. At each offered rate, ideas
are POSTed open-loop to intake by the demo organisation's employees; an admin NATS subscriber
(outside every service) notes when review's ``ScreeningStarted`` for each idea appears (the case
is on the change agent's work list; spot-checked through review's API) and when reward's
``reward.granted`` appears. After the load, a few of the new cases are decided (accepted) by
their unit's change agent through review's API: decision → the author's e-mail at the mail
catcher (its HTTP list) and decision → ``reward.granted``. "Kept up": every idea answered 201
at the pace it was offered (HTTP p99 within 1 s: intake did not queue the load), every case
seen, and every durable consumer's backlog (JetStream consumer info) back to 0 within 5 s of
the load's end. CPU: every process of the stack (/proc), per idea; beside it the
work an idea caused, counted from outside over the same span: events in the stream, messages
handed to the durable consumers (JetStream consumer info) and e-mails at the catcher.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from nats.aio.msg import Msg

from bench import events, mailfloor
from bench.harness import (
    LIBRARY_FLOOR_IMPORTS,
    Row,
    Target,
    connect,
    library_floor_mb,
    ms,
    percentile,
    total_backlog,
)
from bench.loadgen import Sent, http_request, open_loop
from bench.services import HR, LIFECYCLE
from bench.stack import Stack

KEEP_UP_SECONDS = 5.0
# An offered rate is only sustained if intake answered it as it came: answers that queue for
# seconds (200/s on 2 cores: p99 5.5 s) mean the stack took the load at a lower rate, even when
# the consumers' backlog behind it was gone within KEEP_UP_SECONDS.
KEEP_PACE_SECONDS = 1.0
# The stack is idle again (e-mails sent) once its processes use under SETTLE_SHARE of a core
# over SETTLE_WINDOW seconds; at most SETTLE_CAP seconds are waited.
SETTLE_SHARE, SETTLE_WINDOW, SETTLE_CAP = 0.15, 1.0, 180.0
DECISIONS = 10


@dataclass
class Seen:
    """When the outside subscriber saw each idea's events (perf_counter seconds)."""

    cases: dict[str, float] = field(default_factory=dict)
    grants: dict[str, list[float]] = field(default_factory=dict)

    async def on_case(self, msg: Msg) -> None:
        self.cases.setdefault(json.loads(msg.data)["idea_id"], time.perf_counter())

    async def on_grant(self, msg: Msg) -> None:
        self.grants.setdefault(json.loads(msg.data)["idea_id"], []).append(time.perf_counter())


@dataclass(frozen=True)
class Work:
    """What the stack has done so far, counted from outside: events in the lifecycle stream,
    messages handed to its durable consumers (each delivery: skipped types and redeliveries
    included) and e-mails the catcher holds."""

    published: int
    delivered: int
    mails: int

    def __sub__(self, before: Work) -> Work:
        return Work(
            self.published - before.published,
            self.delivered - before.delivered,
            self.mails - before.mails,
        )


async def work_done(stack: Stack, js: Any) -> Work:
    stream = await js.stream_info(LIFECYCLE)
    consumers = await js.consumers_info(LIFECYCLE)
    return Work(
        int(stream.state.messages),
        sum(int(c.delivered.consumer_seq or 0) for c in consumers),
        sum(1 for _ in (stack.state_dir / "mail").glob("*.eml")),
    )


@dataclass
class Level:
    rate: int
    sent: list[Sent]
    case_waits: list[float]
    mail_waits: list[float]
    grant_waits: list[float]
    behind_seconds: float | None  # load end → every backlog 0 (None: not within the cap)
    backlog_left: int
    cpu_seconds: float
    cpu_by_process: dict[str, float]
    rss_peak: dict[str, float]
    spot_checked: int
    settled_seconds: float | None  # backlog 0 and decisions → the stack idle (e-mails sent)
    work: Work  # over the same span as the CPU (it includes the ten decisions' work)

    @property
    def created(self) -> int:
        return sum(1 for s in self.sent if s.status == 201)

    @property
    def http_p99(self) -> float:
        return percentile([s.latency for s in self.sent], 99)

    @property
    def kept_pace(self) -> bool:
        return self.http_p99 <= KEEP_PACE_SECONDS

    @property
    def kept_up(self) -> bool:
        return (
            self.created == len(self.sent)
            and self.kept_pace
            and len(self.case_waits) == self.created
            and self.behind_seconds is not None
            and self.behind_seconds <= KEEP_UP_SECONDS
        )


def submissions(stack: Stack, run: str, count: int) -> tuple[list[bytes], list[dict[str, str]]]:
    """``count`` idea submissions from the demo employees in turn (their own units and
    languages), each with a title that names it; and each one's title and author's e-mail."""
    authors = events.authors()
    tokens = {p.person_id: stack.token(p.person_id, p.roles, p.unit_id) for p in authors}
    port, requests, titles = stack.ports["intake"], [], []
    for n in range(count):
        author = authors[n % len(authors)]
        title = f"Kuormitustesti {run}-{n}#"
        body = events.idea_texts(title, author.unit_id, author.language)
        requests.append(http_request(port, json.dumps(body).encode(), tokens[author.person_id]))
        titles.append({"title": title, "email": author.email})
    return requests, titles


async def sample_rss(stack: Stack, peak: dict[str, float], stop: asyncio.Event) -> None:
    while not stop.is_set():
        for name, mb in stack.rss().items():
            peak[name] = max(peak.get(name, 0.0), mb)
        await asyncio.sleep(0.5)


async def caught_up(js: Any, cap: float) -> tuple[float | None, int]:
    """Seconds until every consumer's backlog is 0 (None past ``cap``) and what is left."""
    started = time.perf_counter()
    left = 0
    while time.perf_counter() - started < cap:
        left = sum((await total_backlog(js, [LIFECYCLE, HR])).values())
        if left == 0:
            return time.perf_counter() - started, 0
        await asyncio.sleep(0.2)
    return None, left


async def decide(
    stack: Stack, client: httpx.AsyncClient, idea: dict[str, Any]
) -> tuple[float, str] | None:
    """Accept the idea's case as its unit's change agent; (when, author's e-mail) or None."""
    agent = events.change_agent(idea["unit_id"])
    headers = {
        "Authorization": f"Bearer {stack.token(agent.person_id, agent.roles, agent.unit_id)}"
    }
    case = await client.get(f"{stack.url('review')}/cases/by-idea/{idea['id']}", headers=headers)
    if case.status_code != 200:
        return None
    decided = time.perf_counter()
    answer = await client.post(
        f"{stack.url('review')}/cases/{case.json()['id']}/decision",
        headers=headers,
        json={"decision": "accepted", "rationale": "Kokeillaan keväällä pääkirjastossa."},
    )
    return (decided, idea["email"]) if answer.status_code == 200 else None


async def mail_wait(
    client: httpx.AsyncClient, to: str, title: str, since: float, cap: float
) -> float | None:
    while time.perf_counter() - since < cap:
        listed = (await client.get("/messages", params={"to": to})).json()
        if any(m["subject"].endswith(title) for m in listed):
            return time.perf_counter() - since
        await asyncio.sleep(0.05)
    return None


async def decisions(
    stack: Stack, seen: Seen, ideas: list[dict[str, Any]], cap: float
) -> tuple[list[float], list[float], int]:
    """Decide a few new cases; the e-mail and reward.granted waits, and how many cases the
    change agent's API showed (the spot check)."""
    async with httpx.AsyncClient(base_url=stack.url("mail"), timeout=10) as client:
        chosen = [i for i in ideas if i["id"] in seen.cases][:DECISIONS]
        made = [await decide(stack, client, idea) for idea in chosen]
        done = [(i, d) for i, d in zip(chosen, made, strict=True) if d is not None]
        mails = await asyncio.gather(
            *(mail_wait(client, email, i["title"], at, cap) for i, (at, email) in done)
        )
    grant_waits = []
    deadline = time.perf_counter() + cap
    for idea, (at, _email) in done:
        while not any(t > at for t in seen.grants.get(idea["id"], [])):
            if time.perf_counter() > deadline:
                break
            await asyncio.sleep(0.05)
        later = [t - at for t in seen.grants.get(idea["id"], []) if t > at]
        grant_waits.extend(later[:1])
    return [m for m in mails if m is not None], grant_waits, len(done)


async def level(stack: Stack, js: Any, seen: Seen, rate: int, seconds: float, cap: float) -> Level:
    requests, titles = submissions(stack, f"{rate}", int(rate * seconds))
    peak: dict[str, float] = {}
    stop = asyncio.Event()
    sampler = asyncio.create_task(sample_rss(stack, peak, stop))
    cpu_before, work_before = stack.cpu(), await work_done(stack, js)
    sent = await open_loop(stack.ports["intake"], requests, rate, connections=min(256, 2 * rate))
    behind, left = await caught_up(js, cap)
    stop.set()
    await sampler
    ideas = [
        {**s.answer, **title, "due": s.due}
        for s, title in zip(sent, titles, strict=True)
        if s.answer is not None
    ]
    case_waits = [seen.cases[i["id"]] - i["due"] for i in ideas if i["id"] in seen.cases]
    # Decided while the stack still sends the load's e-mails (what a decision waits behind).
    mails, grants, checked = await decisions(stack, seen, ideas, cap)
    # The CPU an idea costs includes its e-mails, which go out after the consumers' backlog is
    # gone: counted until the stack is idle (it also holds the ten decisions' work).
    settled, _ = await stack.settled(SETTLE_CAP, window=SETTLE_WINDOW, share=SETTLE_SHARE)
    by_process = {name: t - cpu_before.get(name, 0.0) for name, t in stack.cpu().items()}
    cpu = sum(by_process.values())
    work = await work_done(stack, js) - work_before
    return Level(
        rate, sent, case_waits, mails, grants, behind, left, cpu, by_process, peak, checked,
        settled, work,
    )  # fmt: skip


async def drive(stack: Stack, rates: list[int], seconds: float, cap: float) -> list[Level]:
    nc, js = await connect(stack.nats_url, **stack.nats_credentials())
    seen = Seen()
    await nc.subscribe("ideapaja.review.screening_started.v1", cb=seen.on_case)
    await nc.subscribe("ideapaja.reward.granted.v1", cb=seen.on_grant)
    try:
        return [await level(stack, js, seen, rate, seconds, cap) for rate in rates]
    finally:
        await nc.close()


CASE_TARGETS = {20: Target("<", 0.100, "p99 < 100 ms"), 100: Target("<", 0.250, "p99 < 250 ms")}
MAIL_TARGET = Target("<", 1.0, "p99 < 1 s")


def level_rows(found: Level) -> list[Row]:
    group, rate = "2 pipeline", found.rate
    http = [s.latency for s in found.sent]
    status = "kept up" if found.kept_up else "NOT kept up"
    if not found.kept_pace:
        status += f" (intake answered p99 {ms(found.http_p99)}: it queued the load)"
    behind = "—" if found.behind_seconds is None else f"{found.behind_seconds:.1f} s"
    p99 = percentile(found.case_waits, 99)
    ideas = max(found.created, 1)
    return [
        Row(
            group,
            f"{rate}/s offered: HTTP submit",
            f"{found.created}/{len(found.sent)} created; p50 {ms(percentile(http, 50))}, "
            f"p99 {ms(found.http_p99)}",
            data={"http_p50_s": percentile(http, 50), "http_p99_s": found.http_p99},
        ),
        Row(
            group,
            f"{rate}/s: submit → case (ScreeningStarted)",
            f"p50 {ms(percentile(found.case_waits, 50))}, p99 {ms(p99)}; "
            f"{len(found.case_waits)}/{found.created} seen; API shows {found.spot_checked} checked",
            target=CASE_TARGETS.get(rate),
            value=p99,
        ),
        Row(
            group,
            f"{rate}/s: decision → e-mail at catcher",
            f"p50 {ms(percentile(found.mail_waits, 50))}, p99 "
            f"{ms(percentile(found.mail_waits, 99))} ({len(found.mail_waits)} decisions)",
            target=MAIL_TARGET,
            value=percentile(found.mail_waits, 99),
        ),
        Row(
            group,
            f"{rate}/s: decision → reward.granted (outside)",
            f"p50 {ms(percentile(found.grant_waits, 50))}, p99 "
            f"{ms(percentile(found.grant_waits, 99))} ({len(found.grant_waits)} seen)",
        ),
        Row(
            group,
            f"{rate}/s: consumers after the load",
            (
                f"{status}: backlog 0 after {behind}"
                if found.behind_seconds is not None
                else f"{status}: backlog {found.backlog_left} left"
            )
            + (
                f"; then idle (e-mails sent) {found.settled_seconds:.1f} s after the decisions"
                if found.settled_seconds is not None
                else f"; not idle {SETTLE_CAP:.0f} s after the decisions"
            ),
            f"stack CPU {found.cpu_seconds / max(found.created, 1) * 1000:.1f} ms an idea; an "
            f"idea caused {found.work.published / ideas:.1f} events, "
            f"{found.work.delivered / ideas:.1f} deliveries to consumers, "
            f"{found.work.mails / ideas:.2f} e-mails",
            data={
                "events_per_idea": found.work.published / ideas,
                "consumer_deliveries_per_idea": found.work.delivered / ideas,
                "mails_per_idea": found.work.mails / ideas,
                "behind_seconds": found.behind_seconds,
                "backlog_left": found.backlog_left,
                "settled_seconds": found.settled_seconds,
                "cpu_ms_per_idea": found.cpu_seconds / max(found.created, 1) * 1000,
                "cpu_by_process_s": found.cpu_by_process,
            },
        ),
    ]


@dataclass
class Idle:
    """The stack's memory before the load: RSS and PSS by process, and the library floor."""

    rss: dict[str, float]
    pss: dict[str, float]
    floor: float


def summary_rows(stack: Stack, levels: list[Level], memory: Idle) -> list[Row]:
    idle = memory.rss
    sustained = max((f.rate for f in levels if f.kept_up), default=0)
    created = sum(f.created for f in levels)
    cpu_ms = sum(f.cpu_seconds for f in levels) / created * 1000 if created else float("nan")
    loaded = next((f.rss_peak for f in levels if f.rate == 100), levels[-1].rss_peak)
    # Which processes the CPU went to, largest first (what to make cheaper next).
    spent: dict[str, float] = {}
    for found in levels:
        for name, seconds in found.cpu_by_process.items():
            spent[name] = spent.get(name, 0.0) + seconds
    shares = {
        name: round(seconds / created * 1000, 1) if created else float("nan")
        for name, seconds in sorted(spent.items(), key=lambda item: -item[1])
    }
    work = Work(
        sum(f.work.published for f in levels),
        sum(f.work.delivered for f in levels),
        sum(f.work.mails for f in levels),
    )
    caused = (
        f"; an idea caused {work.published / created:.1f} events, "
        f"{work.delivered / created:.1f} deliveries to consumers, {work.mails / created:.2f} "
        "e-mails"
        if created
        else ""
    )
    rows = [
        Row(
            "2 pipeline",
            "ideas/s sustained (intake answering at pace, every consumer keeping up)",
            f"{sustained}/s" if sustained else f"< {levels[0].rate}/s",
            f"offered {', '.join(str(f.rate) for f in levels)}/s",
            Target(">=", 200, "≥ 200/s"),
            float(sustained),
        ),
        Row(
            "2 pipeline",
            "stack CPU per idea (all processes, /proc)",
            # The mail catcher stands in for the city's mail server (not part of Ideapaja).
            f"{cpu_ms:.1f} ms; without the mail catcher "
            f"{cpu_ms - shares.get('mailcatcher', 0.0):.1f} ms",
            "ms an idea: " + ", ".join(f"{name} {ms:.1f}" for name, ms in shares.items()) + caused,
            target=Target("<", 10.0001, "≤ 10 ms"),
            value=cpu_ms,
            data={"by_process_ms": shares, "work": work.__dict__, "ideas": created},
        ),
    ]
    for name in sorted(idle):
        if name in stack.services:
            rows.append(
                Row(
                    "5 memory",
                    f"RSS {name}: idle / under 100/s",
                    f"{idle[name]:.0f} MB / {loaded.get(name, 0):.0f} MB",
                    f"the libraries alone: {memory.floor:.0f} MB (a bare process importing "
                    f"{LIBRARY_FLOOR_IMPORTS})",
                    target=Target("<", 100, "< 100 MB idle"),
                    value=idle[name],
                )
            )
    total = sum(idle.values())
    rows.append(
        Row(
            "5 memory",
            "RSS whole embedded stack: idle / under 100/s",
            f"{total:.0f} MB / {sum(loaded.values()):.0f} MB ({len(idle)} processes)",
            target=Target("<", 600, "< 600 MB"),
            value=max(total, sum(loaded.values())),
        )
    )
    # RSS counts a shared page (libpython, the C extensions, search's mapped dictionaries) once
    # in every process that maps it; PSS divides it among them: the memory the stack holds.
    rows.append(
        Row(
            "5 memory",
            "PSS whole embedded stack, idle (shared pages counted once)",
            f"{sum(memory.pss.values()):.0f} MB ({len(memory.pss)} processes)",
            f"RSS summed {total:.0f} MB; PSS by process: "
            + ", ".join(
                f"{name} {mb:.0f}" for name, mb in sorted(memory.pss.items(), key=lambda i: -i[1])
            ),
            target=Target("<", 600, "< 600 MB"),
            value=sum(memory.pss.values()),
            data={"pss_by_process_mb": memory.pss},
        )
    )
    rows.append(
        Row(
            "5 start-up",
            "ideapaja up --demo → every service ready",
            f"{stack.ready_seconds:.1f} s",
            target=Target("<", 10, "< 10 s"),
            value=stack.ready_seconds,
        )
    )
    return rows


def rows(work: Path, quick: bool) -> list[Row]:
    seconds, cap = (4.0, 10.0) if quick else (15.0, 60.0)
    state = work / "stack" / "state"
    state.parent.mkdir()
    stack = Stack(state)
    try:
        stack.up()
        time.sleep(2)
        idle = Idle(stack.rss(), stack.pss(), library_floor_mb())
        catcher = next(pid for pid, name in stack.pids().items() if name == "mailcatcher")
        mail = mailfloor.measure(stack.ports["smtp"], catcher)
        levels = asyncio.run(drive(stack, [20, 100, 200], seconds, cap))
    finally:
        stack.down()
    found = [row for f in levels for row in level_rows(f)]
    return found + summary_rows(stack, levels, idle) + [mail_floor_row(mail)]


def mail_floor_row(mail: mailfloor.MailFloor) -> Row:
    return Row(
        "2 pipeline",
        "floor of one e-mail: prebuilt, raw smtplib, one conversation, to the catcher",
        f"sender {mail.sender_cpu_ms:.2f} ms CPU, catcher {mail.catcher_cpu_ms:.2f} ms CPU a mail",
        f"{mail.rate:,.0f} mails/s ({mail.mails} mails, before the load)",
        data={
            "mail_sender_cpu_ms": mail.sender_cpu_ms,
            "mail_catcher_cpu_ms": mail.catcher_cpu_ms,
            "mails_per_s": mail.rate,
        },
    )
