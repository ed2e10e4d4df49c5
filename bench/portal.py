"""Row ``portal`` (issue 15, "Fast"): the portal's pages with 10,000 ideas in the embedded stack.

``ideapaja up --demo`` (fresh state, free ports, submission limits raised); 10,000 ideas
(``--quick``: 1,000) POSTed open-loop to intake's API by the demo organisation's employees, and
the stack left to digest them (every durable consumer's backlog 0); then a committee, a meeting,
a case taken to review and an award round with a nomination, made through review's and reward's
APIs as the pages' users would. People sign in through the development issuer's real OpenID
Connect flow (the portal's /auth/login → the issuer's sign-in page → POST /authorize → the
portal's /auth/callback), each with their own session.

Measured from outside, over HTTP on 127.0.0.1 (the server's time plus a loopback round trip):
p50/p95 of every page a GET shows (sequential requests after a warm-up), beside the portal's own
``/healthz`` in the same run; the first page's weight (the home page's HTML as served, plus the
CSS, script and icon it loads, compressed as served: the bytes on the wire) and the JavaScript's
compressed size. Downloads (minutes, CSV) and HTMX fragments are not pages and are left out.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from html import unescape
from pathlib import Path
from urllib.parse import urljoin

import httpx

from bench import events
from bench.harness import Row, Target, connect, ms, percentile
from bench.loadgen import http_request, open_loop
from bench.pipeline import caught_up
from bench.stack import Stack

IDEAS, QUICK_IDEAS = 10_000, 1_000
# Where a loaded stack is kept between runs (the load and its e-mails take half an hour).
KEEP_STATE = "IDEAPAJA_BENCH_PORTAL_STATE"
RATE = 100  # ideas/s offered: what the stack digests on two shared cores without a backlog
# After the consumers catch up the stack still sends the ideas' e-mails (about 2.5 an idea, at
# 16 a second on two cores): pages are timed once it is idle (its processes together under
# IDLE_SHARE of one core over IDLE_WINDOW seconds), or after the cap, and the row says which.
IDLE_SHARE, IDLE_WINDOW = 0.10, 5.0
IDLE_CAP, QUICK_IDLE_CAP = 1800.0, 300.0
SAMPLES, QUICK_SAMPLES = 40, 15
WARM_UP = 3
PAGE_TARGET = Target("<", 0.150, "p95 < 150 ms")
WEIGHT_TARGET = Target("<", 200_000, "< 200 KB")
SCRIPT_TARGET = Target("<", 50_000, "< 50 KB")
# Demo people (runner/src/ideapaja_runner/demo/organisation.csv) and what they look at.
AUTHOR = "p-1003"  # Leena Korhonen, an employee of the library
AGENT = "p-1001"  # Aino Virtanen, the library's change agent
CHAIR = "p-1020"  # Helena Rantanen: management, committee member
ADMIN = "p-1018"  # Ville Järvinen
HR = "p-1016"  # Riikka Koskinen: HR, reward approver
MEMBER = "p-1007"  # Jukka Nieminen: committee member


@dataclass
class Fixtures:
    """Ids the detail pages need (made through the services' APIs)."""

    idea_id: str
    case_id: str
    meeting_id: str
    round_id: str


def person(person_id: str) -> events.Person:
    return next(p for p in events.demo_people() if p.person_id == person_id)


def bearer(stack: Stack, person_id: str) -> dict[str, str]:
    who = person(person_id)
    return {"Authorization": f"Bearer {stack.token(who.person_id, who.roles, who.unit_id)}"}


async def submit_ideas(stack: Stack, count: int) -> int:
    """``count`` ideas through intake's API, open loop; how many were created."""
    authors = events.authors()
    tokens = {p.person_id: stack.token(p.person_id, p.roles, p.unit_id) for p in authors}
    topics = ["aukioloajat", "vuorolista", "kotihoito", "kirjasto", "siivous", "matkat"]
    requests = []
    for n in range(count):
        author = authors[n % len(authors)]
        title = f"Ehdotus {n}: {topics[n % len(topics)]} paremmaksi"
        body = events.idea_texts(title, author.unit_id, author.language)
        requests.append(
            http_request(stack.ports["intake"], json.dumps(body).encode(), tokens[author.person_id])
        )
    sent = await open_loop(stack.ports["intake"], requests, RATE, connections=2 * RATE)
    return sum(1 for s in sent if s.status == 201)


async def fixtures(stack: Stack, client: httpx.AsyncClient) -> Fixtures:
    """A case of the author's taken to review by the change agent, the city's committee with a
    meeting, and an idea-of-the-month round with a nomination: as their users make them."""
    intake, review, reward = stack.url("intake"), stack.url("review"), stack.url("reward")
    mine = await client.get(
        f"{intake}/ideas", params={"mine": "true", "limit": 1}, headers=bearer(stack, AUTHOR)
    )
    idea_id = mine.raise_for_status().json()["items"][0]["id"]
    case = await client.get(f"{review}/cases/by-idea/{idea_id}", headers=bearer(stack, AGENT))
    case_id = case.raise_for_status().json()["id"]
    committee = await client.post(
        f"{review}/committees",
        headers=bearer(stack, ADMIN),
        json={"name": "Kehittämistoimikunta", "city_wide": True, "quorum": 2},
    )
    committee_id = committee.raise_for_status().json()["id"]
    for who, role in ((CHAIR, "chair"), (MEMBER, "member")):
        added = await client.put(
            f"{review}/committees/{committee_id}/members/{who}",
            headers=bearer(stack, ADMIN),
            json={"role": role},
        )
        added.raise_for_status()
    when = (datetime.now(UTC) + timedelta(days=7)).isoformat()
    meeting = await client.post(
        f"{review}/committees/{committee_id}/meetings",
        headers=bearer(stack, CHAIR),
        json={"title": "Kuukauden kokous", "scheduled_at": when, "case_ids": []},
    )
    meeting_id = meeting.raise_for_status().json()["id"]
    month = datetime.now(UTC).strftime("%Y-%m")
    opened = await client.post(
        f"{reward}/award-rounds",
        headers=bearer(stack, MEMBER),
        json={"kind": "idea_of_the_month", "period": month},
    )
    round_id = opened.raise_for_status().json()["id"]
    nominated = await client.post(
        f"{reward}/award-rounds/{round_id}/nominations",
        headers=bearer(stack, AUTHOR),
        json={"idea_id": idea_id, "reason": "Hyvä idea"},
    )
    nominated.raise_for_status()
    return Fixtures(idea_id, case_id, meeting_id, round_id)


class Browser:
    """One person's portal session, signed in through the real OIDC flow. The session cookie is
    Secure (a browser sends it to 127.0.0.1; httpx's jar would not over http), so it is kept
    here and sent by hand."""

    def __init__(self, stack: Stack) -> None:
        self.portal = stack.url("portal")
        self.client = httpx.AsyncClient(timeout=30, follow_redirects=False, trust_env=False)
        self.cookies: dict[str, str] = {}

    def _keep(self, response: httpx.Response) -> None:
        for header in response.headers.get_list("set-cookie"):
            name, _, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]

    async def get(self, path: str) -> httpx.Response:
        cookie = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        response = await self.client.get(f"{self.portal}{path}", headers={"Cookie": cookie})
        self._keep(response)
        return response

    async def sign_in(self, person_id: str) -> None:
        login = await self.get("/auth/login?next=/")
        assert login.status_code in (302, 303, 307), login.text[:500]
        authorize = login.headers["location"]
        page = await self.client.get(authorize)
        page.raise_for_status()
        hidden = dict(
            re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page.text)
        )
        chosen = await self.client.post(
            urljoin(authorize, "/authorize"),
            data={**{k: unescape(v) for k, v in hidden.items()}, "person": person_id},
        )
        assert chosen.status_code in (302, 303), chosen.text[:500]
        callback = chosen.headers["location"]
        assert callback.startswith(self.portal), callback
        back = await self.get(callback.removeprefix(self.portal))
        assert back.status_code in (302, 303), back.text[:500]
        home = await self.get("/")
        assert 'action="/auth/logout"' in home.text, home.text[:500]

    async def close(self) -> None:
        await self.client.aclose()


async def timings(browser: Browser, path: str, samples: int) -> list[float]:
    for _ in range(WARM_UP):
        warm = await browser.get(path)
        assert warm.status_code == 200, (path, warm.status_code, warm.text[:300])
    taken = []
    for _ in range(samples):
        started = time.perf_counter()
        answer = await browser.get(path)
        taken.append(time.perf_counter() - started)
        assert answer.status_code == 200, (path, answer.status_code)
    return taken


async def wire_bytes(client: httpx.AsyncClient, url: str, cookie: str = "") -> int:
    """The body's bytes as served (compressed where the server compresses)."""
    headers = {"Accept-Encoding": "gzip, br", "Cookie": cookie}
    async with client.stream("GET", url, headers=headers) as response:
        response.raise_for_status()
        return sum([len(chunk) async for chunk in response.aiter_raw()])


async def weight(browser: Browser) -> tuple[int, int, dict[str, int]]:
    """The home page's weight (HTML and the assets it loads) and its JavaScript's, on the wire."""
    cookie = "; ".join(f"{k}={v}" for k, v in browser.cookies.items())
    home = await browser.get("/")
    assets = re.findall(r'(?:href|src)="(/static/[^"]+)"', home.text)
    sizes = {"/ (HTML)": await wire_bytes(browser.client, f"{browser.portal}/", cookie)}
    for asset in dict.fromkeys(assets):
        sizes[asset] = await wire_bytes(browser.client, f"{browser.portal}{asset}")
    script = sum(size for path, size in sizes.items() if path.endswith(".js"))
    return sum(sizes.values()), script, sizes


def pages(made: Fixtures) -> list[tuple[str, str]]:
    """(who, path) for every page a GET shows."""
    return [
        (AUTHOR, "/"),
        (AUTHOR, "/ideas/new"),
        (AUTHOR, "/my/ideas"),
        (AUTHOR, "/ideas"),
        (AUTHOR, "/ideas?q=kotihoito"),
        (AUTHOR, f"/ideas/{made.idea_id}"),
        (AUTHOR, "/notifications"),
        (AUTHOR, "/points"),
        (AUTHOR, "/experiments"),
        (AUTHOR, "/practices"),
        (AUTHOR, "/award-rounds"),
        (AUTHOR, f"/award-rounds/{made.round_id}?q=kotihoito"),
        (AGENT, "/work"),
        (AGENT, f"/work/cases/{made.case_id}"),
        (CHAIR, "/committees"),
        (CHAIR, f"/meetings/{made.meeting_id}"),
        (CHAIR, "/awards"),
        (CHAIR, f"/ideas/{made.idea_id}/award"),
        (HR, "/grants"),
        (HR, "/budgets"),
        (AUTHOR, "/settings/notifications"),
        (CHAIR, "/dashboard"),
        (CHAIR, "/dashboard?period=year"),
        (ADMIN, "/admin"),
        (ADMIN, "/admin/routing-rules"),
        (ADMIN, "/admin/change-agents"),
        (ADMIN, "/admin/committees"),
        (ADMIN, "/admin/reward-rules"),
        (ADMIN, "/admin/dead-letters"),
    ]


@dataclass
class Loaded:
    """How the stack got its ideas, and the ids the pages need: kept beside a kept state."""

    ideas: int
    seconds: float
    behind: float | None
    left: int
    idle: float | None
    share: float
    fixtures: Fixtures


async def load(stack: Stack, count: int, quick: bool) -> Loaded:
    """``count`` ideas through intake, digested and their e-mails sent; the fixtures made."""
    nc, js = await connect(stack.nats_url, **stack.nats_credentials())
    try:
        loaded = time.perf_counter()
        created = await submit_ideas(stack, count)
        behind, left = await caught_up(js, 600)
        loading = time.perf_counter() - loaded
    finally:
        await nc.close()
    idle, share = await stack.settled(
        QUICK_IDLE_CAP if quick else IDLE_CAP, window=IDLE_WINDOW, share=IDLE_SHARE
    )
    async with httpx.AsyncClient(timeout=30, trust_env=False) as client:
        made = await fixtures(stack, client)
    return Loaded(created, loading, behind, left, idle, share, made)


async def measure(
    stack: Stack, quick: bool, before: Loaded | None = None
) -> tuple[list[Row], Loaded]:
    """The rows, and how the stack was loaded; a stack ``before`` says was loaded by an
    earlier run with as many ideas is measured again as it is, without loading it again."""
    count = QUICK_IDEAS if quick else IDEAS
    samples = QUICK_SAMPLES if quick else SAMPLES
    if before and before.ideas >= count:
        done, reused = before, " (a kept state, loaded by an earlier run)"
    else:
        done, reused = await load(stack, count, quick), ""
    created, loading, behind, left = done.ideas, done.seconds, done.behind, done.left
    idle, share, made = done.idle, done.share, done.fixtures
    browsers: dict[str, Browser] = {}
    rows: list[Row] = []
    try:
        for who in (AUTHOR, AGENT, CHAIR, HR, ADMIN):
            browsers[who] = Browser(stack)
            await browsers[who].sign_in(who)
        base = await timings(browsers[AUTHOR], "/healthz", samples)
        baseline = f"/healthz p50 {ms(percentile(base, 50))}, p95 {ms(percentile(base, 95))}"
        rows.append(
            Row(
                "portal",
                f"{count:,} ideas loaded (open loop {RATE}/s)",
                f"{created:,} created in {loading:.0f} s{reused}; backlog 0 after "
                + (f"{behind:.1f} s" if behind is not None else f"cap ({left} left)")
                + "; idle (e-mails sent) "
                + (f"{idle:.0f} s later" if idle is not None else f"not by the cap ({share:.0%})"),
                data={"ideas": created, "seconds": loading, "idle_after": idle, "share": share},
            )
        )
        for who, path in pages(made):
            taken = await timings(browsers[who], path, samples)
            p50, p95 = percentile(taken, 50), percentile(taken, 95)
            rows.append(
                Row(
                    "portal",
                    f"GET {re.sub(r'[a-z]+-[0-9a-f]{6,}', '{id}', path)} ({who})",
                    f"p50 {ms(p50)}, p95 {ms(p95)}",
                    baseline,
                    PAGE_TARGET,
                    p95,
                    {"p50": p50, "p95": p95, "samples": len(taken)},
                )
            )
        total, script, sizes = await weight(browsers[AUTHOR])
        listed = ", ".join(f"{path} {size / 1000:.1f}" for path, size in sizes.items())
        rows.append(
            Row(
                "portal",
                "first page weight (home: HTML + assets, on the wire)",
                f"{total / 1000:.1f} KB",
                f"KB: {listed}",
                WEIGHT_TARGET,
                total,
                {"sizes": sizes},
            )
        )
        rows.append(
            Row(
                "portal",
                "JavaScript, compressed",
                f"{script / 1000:.1f} KB",
                "—",
                SCRIPT_TARGET,
                script,
            )
        )
    finally:
        for browser in browsers.values():
            await browser.close()
    return rows, done


def rows(work: Path, quick: bool) -> list[Row]:
    """The stack's state lives in the run's work directory, or where ``KEEP_STATE`` (an
    environment variable) names: loaded there once, it is measured again by later runs."""
    kept = os.environ.get(KEEP_STATE)
    state = Path(kept) / "state" if kept else work / "stack" / "state"
    state.parent.mkdir(parents=True, exist_ok=True)
    record = state.parent / "loaded.json"
    before = None
    if kept and record.exists():
        found = json.loads(record.read_text())
        before = Loaded(**{**found, "fixtures": Fixtures(**found["fixtures"])})
    stack = Stack(state)
    try:
        stack.up(timeout=300)
        measured, loaded = asyncio.run(measure(stack, quick, before))
        if kept:
            record.write_text(json.dumps(asdict(loaded)))
        return measured
    finally:
        stack.down()
