"""Stand-ins for what the portal's pages call: intake and review answering as the services do,
and a client signed in by a stored session (as an employee, in English unless a test says)."""

from __future__ import annotations

import json
import unicodedata
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import httpx

from ideapaja_portal.apis import Apis
from ideapaja_portal.sessions import SessionStore
from ideapaja_runtime.testing import RunningService

ME, LEENA, ASA = "p-1001", "p-3001", "p-3002"
# Who decide rewards in the award tests: committee members, management, HR.
JUKKA, GRACE, PETRI, RIIKKA = "p-3003", "p-3004", "p-3005", "p-3006"
UNITS = [{"id": "u-kirjasto", "kind": "unit", "parent_id": None, "name_fi": "Kirjasto",
          "name_sv": "Biblioteket", "name_en": "Library"}]  # fmt: skip
PEOPLE = {
    ME: "Aino Author",
    LEENA: "Leena Korhonen",
    ASA: "Åsa Åhlund",
    JUKKA: "Jukka Nieminen",
    GRACE: "Grace Mwangi",
    PETRI: "Petri Kallio",
    RIIKKA: "Riikka Koskinen",
}
CSRF = "csrf-token-of-the-test-session"


def person(person_id: str) -> dict[str, Any]:
    unit = {"unit_name_fi": "Kirjasto", "unit_name_sv": "Biblioteket", "unit_name_en": "Library"}
    return {"id": person_id, "display_name": PEOPLE[person_id], "unit_id": "u-kirjasto", **unit}


def folded(text: str) -> str:
    """As intake folds names: lower case, without accents."""
    return "".join(c for c in unicodedata.normalize("NFKD", text.casefold()) if c.isascii())


def page(items: list[Any]) -> dict[str, Any]:
    return {"items": items, "total": len(items), "limit": 50, "next_cursor": None}


class Intake:
    """What the pages ask of intake and review, answered as they would, and what was sent."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str, Any]] = []
        # Every request as sent (a test reads the query of a GET).
        self.requests: list[httpx.Request] = []
        self.idea: dict[str, Any] = {
            "id": "i-1", "title": "Omatoimikirjasto", "status": "submitted",
            "submitted_at": "2026-03-02T08:00:00Z", "problem": "p", "solution": "s", "benefit": "",
            "author_ids": [ME], "invited_ids": [LEENA], "attachments": [], "history": [],
            "support_count": 0,
        }  # fmt: skip
        self.draft: dict[str, Any] = {"id": "d-1", "content": {"title": "Luonnos"}}
        self.refuse: dict[str, Any] | None = None
        # Further GET answers a test gives, by path (e.g. review's case).
        self.answers: dict[str, Any] = {}

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path, method = request.url.path, request.method
        body = json.loads(request.content) if request.content else None
        self.sent.append((method, path, body))
        self.requests.append(request)
        query = request.url.params
        if method == "GET" and path in self.answers:
            return httpx.Response(200, json=self.answers[path])
        if path == "/units":
            return httpx.Response(200, json=page(UNITS))
        if path == "/categories":
            return httpx.Response(200, json={"categories": [], "benefit_kinds": []})
        if path == "/people":
            return httpx.Response(200, json=page(self.people(query)))
        if method == "POST" and path == "/ideas":
            if self.refuse:
                return httpx.Response(422, json=self.refuse)
            return httpx.Response(201, json={"id": "i-1"})
        if path.startswith("/drafts"):
            return httpx.Response(200 if method == "GET" else 201, json=self.draft)
        if path == "/ideas/i-1":
            return httpx.Response(200, json=self.idea)
        if path == "/ideas/i-1/comments":
            return httpx.Response(200, json=page([]))
        if path.startswith("/ideas/i-1/co-authors"):
            return httpx.Response(200 if method == "POST" else 204, json={})
        return httpx.Response(404, json={"title": "Not found", "status": 404})

    def people(self, query: httpx.QueryParams) -> list[dict[str, Any]]:
        ids = query.get_list("id")
        typed = folded(query.get("q") or "")
        return [
            person(p)
            for p in sorted(PEOPLE, key=PEOPLE.__getitem__)
            if (not ids or p in ids)
            and (
                not typed
                or (p != ME and any(w.startswith(typed) for w in folded(PEOPLE[p]).split()))
            )
        ]


@asynccontextmanager
async def sign_in(
    portal: RunningService,
    language: str = "en",
    roles: tuple[str, ...] = ("employee",),
    *,
    person_id: str = ME,
    token: str = "token",  # noqa: S107 - a stand-in: the stand-ins check no token
    intake: Intake | None = None,
    services: dict[str, httpx.AsyncBaseTransport] | None = None,
) -> AsyncIterator[tuple[httpx.AsyncClient, Intake]]:
    """A client signed in as an employee (a stored session), and the stand-in services; a test
    may hand its own ``intake`` stand-in, and real ``services`` (e.g. reward in-process, whose
    answers depend on ``token``)."""
    runtime = portal.runtime
    intake = intake or Intake()
    transport = httpx.MockTransport(intake)
    transports = {"intake": transport, "review": transport, **(services or {})}
    apis = Apis(
        {name: f"http://{name}" for name in transports},
        timeout=5,
        transports={f"http://{name}": answer for name, answer in transports.items()},
    )
    old = runtime.extras["portal_apis"]
    runtime.extras["portal_apis"] = apis
    store = SessionStore(runtime.db, runtime.clock, timedelta(hours=1))
    await store.save("session-key", {
        "person_id": person_id, "name": PEOPLE.get(person_id, person_id), "roles": list(roles),
        "units": ["u-kirjasto"], "access_token": token, "language": language, "csrf": CSRF,
    })  # fmt: skip
    portal.client.headers["Cookie"] = "ideapaja_session=session-key"
    try:
        yield portal.client, intake
    finally:
        runtime.extras["portal_apis"] = old
        await apis.close()
