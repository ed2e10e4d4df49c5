"""Benchmark (not a test): the portal's page times with 10,000 ideas in the embedded stack, each
page beside the service call(s) it waits on, and what a browser downloads for the first page.

Run from the repository root:  .venv/bin/python services/portal/benchmarks/bench_pages.py

What runs: `ideapaja up --demo` exactly as a city's developer starts it (every service and
consumer, NATS, SQLite, the dev OIDC provider), in a temporary state directory on free ports,
with the per-person and per-address submission limits raised so the seeding is not refused.
The script
1. seeds ``--ideas`` ideas through intake's API from the demo organisation's people (as their
   intranet form would), then waits until review has opened a case for every one (the consumers
   drain their backlog; the page times are measured on a quiet stack);
2. signs in to the portal through the real OIDC code flow (plain HTTP: the issuer's person list,
   the callback, the session cookie), as an employee and as a change agent;
3. times each page ``--rounds`` times, sequentially, and beside it the API call the page makes
   (with the same person's token), so the ratio page / API is the portal's own share;
4. measures the front page's weight as a browser gets it (HTML + CSS + JavaScript + icon,
   compressed where the portal compresses).
Nothing here fails on a number; the machine is shared, so compare the ratios, not the times.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

from ideapaja_runtime.testing import free_port

BIN = Path(sys.executable).parent
SERVICES = ("portal", "intake", "review", "reward", "notification", "privacy")
EMPLOYEE, AGENT, MANAGER = "p-1003", "p-1001", "p-1022"
AUTHORS = [f"p-10{n:02d}" for n in range(1, 21)]
UNITS = {
    "p-1001": "u-kirjasto", "p-1002": "u-kirjasto", "p-1003": "u-kirjasto",
    "p-1004": "u-tahtitarha", "p-1005": "u-tahtitarha", "p-1006": "u-tahtitarha",
    "p-1007": "u-kotihoito", "p-1008": "u-kotihoito", "p-1009": "u-kotihoito",
    "p-1010": "u-terveysasema", "p-1011": "u-terveysasema", "p-1012": "u-kiinteisto",
    "p-1013": "u-kiinteisto", "p-1014": "u-katu", "p-1015": "u-katu", "p-1016": "u-henkilosto",
    "p-1017": "u-henkilosto", "p-1018": "u-digi", "p-1019": "u-digi", "p-1020": "d-konserni",
}  # fmt: skip
WORDS = [
    "kirjasto",
    "aukioloaika",
    "päiväkoti",
    "kotihoito",
    "asiakas",
    "lomake",
    "sähköinen",
    "palaute",
    "kokous",
    "jono",
    "ajanvaraus",
    "tilat",
    "siivous",
    "kuljetus",
    "ruokailu",
    "työvuoro",
    "perehdytys",
    "tiedotus",
]


class Stack:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.ports = {name: free_port() for name in SERVICES}
        self.issuer = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.ports[name]}"

    def up(self) -> None:
        command = [
            str(BIN / "ideapaja"), "up", "--demo", "--state-dir", str(self.root / "state"),
            "--nats-port", str(free_port()), "--smtp-port", str(free_port()),
            "--mail-port", str(free_port()), "--issuer-port", str(self.issuer),
            "--ready-timeout", "240",
        ]  # fmt: skip
        for name, port in self.ports.items():
            command += ["--port", f"{name}={port}"]
        env = dict(
            os.environ,
            IDEAPAJA_INTAKE_SUBMISSIONS_PER_HOUR="100000",
            IDEAPAJA_INTAKE_RATE_LIMIT_PER_IP_SUBMISSIONS="100000/minute",
        )
        log = (self.root / "runner.log").open("ab")
        self.process = subprocess.Popen(  # noqa: S603 - our own ideapaja command
            command, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True
        )
        deadline = time.monotonic() + 300
        for name in SERVICES:
            while True:
                try:
                    if httpx.get(f"{self.url(name)}/readyz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline or self.process.poll() is not None:
                    tail = (self.root / "runner.log").read_text(errors="replace")[-3000:]
                    raise SystemExit(f"the stack did not start ({name}):\n{tail}")
                time.sleep(0.3)

    def down(self) -> None:
        if self.process is not None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)

    def token(self, person: str) -> str:
        command = [
            str(BIN / "ideapaja"), "token", "--state-dir", str(self.root / "state"),
            "--from-csv", "--person", person, "--ttl", "7200",
        ]  # fmt: skip
        run = subprocess.run(command, capture_output=True, text=True, check=True)  # noqa: S603
        return run.stdout.strip()


def seed(stack: Stack, count: int, workers: int = 8) -> float:
    """``count`` ideas from the demo people, ``workers`` intranet forms at a time."""
    tokens = {person: stack.token(person) for person in AUTHORS}
    clients = [httpx.Client(timeout=60) for _ in range(workers)]

    def submit(n: int) -> None:
        person = AUTHORS[n % len(AUTHORS)]
        words = " ".join(WORDS[(n * 7 + k) % len(WORDS)] for k in range(4))
        response = clients[n % workers].post(
            f"{stack.url('intake')}/ideas",
            headers={"Authorization": f"Bearer {tokens[person]}"},
            json={
                "title": f"Idea {n}: {words}",
                "problem": f"Nykyinen {words} ei toimi kaikille.",
                "solution": f"Kokeillaan uutta tapaa ({n}).",
                "scope": "unit",
                "unit_id": UNITS[person],
            },
        )
        if response.status_code != 201:
            raise SystemExit(f"seeding failed at {n}: {response.status_code} {response.text}")

    started = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        for n in range(0, count, workers):
            list(pool.map(submit, range(n, min(n + workers, count))))
    return time.perf_counter() - started


def wait_for_cases(stack: Stack, count: int) -> float:
    """Until review has a case for every idea (the admin sees every case)."""
    admin = stack.token("p-1018")
    started = time.perf_counter()
    while True:
        page = httpx.get(
            f"{stack.url('review')}/cases",
            params={"limit": 1},
            headers={"Authorization": f"Bearer {admin}"},
            timeout=30,
        ).json()
        if page.get("total", 0) >= count:
            return time.perf_counter() - started
        time.sleep(2)


def sign_in(stack: Stack, person: str) -> httpx.Client:
    """The OIDC code flow as a browser makes it, with plain HTTP. The portal's cookie is Secure,
    which a browser sends to 127.0.0.1 but httpx does not over http, so it is carried by hand."""
    client = httpx.Client(timeout=30)
    portal = stack.url("portal")

    def keep_cookie(response: httpx.Response) -> httpx.Response:
        cookie = response.headers.get("set-cookie")
        if cookie:
            client.headers["Cookie"] = cookie.split(";")[0]
        return response

    login = keep_cookie(client.get(f"{portal}/auth/login", params={"next": "/"}))
    authorize = client.get(login.headers["location"])
    form = authorize.text[authorize.text.index("<form") :]
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))
    fields = {k: v.replace("&amp;", "&") for k, v in fields.items()}
    picked = client.post(
        f"http://127.0.0.1:{stack.issuer}/authorize", data={**fields, "person": person}
    )
    keep_cookie(client.get(picked.headers["location"]))
    home = client.get(f"{portal}/")
    assert home.status_code == 200 and "/auth/logout" in home.text, home.text[:500]
    return client


def timed(call: Any, rounds: int) -> list[float]:
    call()  # warm
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        response = call()
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (response.status_code, response.text[:300])
    return times


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[18]


def first_page_weight(stack: Stack, client: httpx.Client) -> dict[str, int]:
    """Bytes on the wire for the home page and everything it loads (gzip where offered)."""
    portal = stack.url("portal")
    home = client.get(f"{portal}/", headers={"Accept-Encoding": "gzip"})
    weights = {"html": len(home.content)}
    for asset in re.findall(r'(?:href|src)="(/static/[^"]+)"', home.text):
        response = httpx.get(f"{portal}{asset}", headers={"Accept-Encoding": "gzip"})
        weights[asset] = int(response.headers.get("content-length", len(response.content)))
    return weights


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--ideas", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=60)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="ideapaja-bench-portal-"))
    stack = Stack(root)
    try:
        stack.up()
        took = seed(stack, args.ideas)
        print(f"seeded {args.ideas} ideas through intake in {took:.1f} s")
        drained = wait_for_cases(stack, args.ideas)
        print(f"review had a case for every idea {drained:.1f} s after the last submit")
        employee, agent = sign_in(stack, EMPLOYEE), sign_in(stack, AGENT)
        manager = sign_in(stack, MANAGER)
        bearer = {
            who: {"Authorization": f"Bearer {stack.token(who)}"}
            for who in (AGENT, EMPLOYEE, MANAGER)
        }
        portal, intake, review = stack.url("portal"), stack.url("intake"), stack.url("review")
        some_idea = httpx.get(
            f"{intake}/public/ideas", params={"limit": 1}, headers=bearer[EMPLOYEE]
        ).json()["items"][0]["id"]
        cases = httpx.get(f"{review}/cases", params={"limit": 1}, headers=bearer[AGENT]).json()
        case = cases["items"][0]["id"]

        def page(client: httpx.Client, path: str, **params: str) -> Any:
            return lambda: client.get(f"{portal}{path}", params=params)

        direct = httpx.Client(timeout=30)  # keep-alive, like the portal's own client

        def api(base: str, path: str, who: str, **params: str) -> Any:
            return lambda: direct.get(f"{base}{path}", params=params, headers=bearer[who])

        reward, notification = stack.url("reward"), stack.url("notification")
        pages: list[tuple[str, Any, Any]] = [
            ("home (employee)", page(employee, "/"),
             api(intake, "/ideas", EMPLOYEE, mine="true", limit="5")),
            ("all ideas", page(employee, "/ideas"),
             api(intake, "/public/ideas", EMPLOYEE, limit="20")),
            ("search q=kirjasto", page(employee, "/ideas", q="kirjasto"),
             api(intake, "/public/ideas", EMPLOYEE, limit="20", q="kirjasto")),
            ("my ideas", page(employee, "/my/ideas"),
             api(intake, "/ideas", EMPLOYEE, mine="true", limit="20")),
            ("an idea", page(employee, f"/ideas/{some_idea}"),
             api(intake, f"/public/ideas/{some_idea}", EMPLOYEE)),
            ("new idea form", page(employee, "/ideas/new"),
             api(intake, "/units", EMPLOYEE, limit="100")),
            ("points", page(employee, "/points"),
             api(reward, "/ledger/me", EMPLOYEE, limit="20")),
            ("work list (agent)", page(agent, "/work"),
             api(review, "/cases", AGENT, limit="20")),
            ("a case (agent)", page(agent, f"/work/cases/{case}"),
             api(review, f"/cases/{case}", AGENT)),
            # Every page above also asks for the navigation's unread count (beside its calls).
            ("notifications", page(employee, "/notifications"),
             api(notification, "/inbox", EMPLOYEE, limit="20")),
            ("unread count (badge)", api(notification, "/inbox/unread-count", EMPLOYEE),
             api(notification, "/inbox/unread-count", EMPLOYEE)),
            # Seven figures from six reporting calls made side by side; beside it the funnel's.
            ("dashboard (management)", page(manager, "/dashboard"),
             api(review, "/reports/funnel", MANAGER)),
            ("dashboard by year", page(manager, "/dashboard", period="year"),
             api(review, "/reports/funnel", MANAGER, period="year", periods="5")),
        ]  # fmt: skip
        header = f"{'page':<22} {'p50 ms':>8} {'p95 ms':>8}   {'API p50':>8} {'API p95':>8}"
        print(f"\n{header}   ratio p95")
        for name, page_call, api_call in pages:
            page_times, api_times = timed(page_call, args.rounds), timed(api_call, args.rounds)
            print(
                f"{name:<22} {statistics.median(page_times):8.1f} {p95(page_times):8.1f}   "
                f"{statistics.median(api_times):8.1f} {p95(api_times):8.1f}   "
                f"{p95(page_times) / p95(api_times):6.2f}"
            )
        weights = first_page_weight(stack, employee)
        js = sum(v for k, v in weights.items() if k.endswith(".js"))
        print(f"\nfirst page weight: {sum(weights.values()) / 1024:.1f} KiB "
              f"({json.dumps(weights)}); JavaScript {js / 1024:.1f} KiB compressed")  # fmt: skip
    finally:
        stack.down()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
