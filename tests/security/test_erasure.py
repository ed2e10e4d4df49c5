"""GDPR erasure across the whole system, proven on the data itself.

Every installed service runs in-process on one private NATS, each with its own SQLite file, and
mail goes to a local SMTP server. A person with a unique name and e-mail address comes from HR,
submits an idea through intake's API, a change agent accepts it in review, reward grants points
and notification mails her. The access report then lists what each service holds on her. After
her erasure is requested through the privacy service and every service has handled it, every
column of every table of every service database is searched for her name and e-mail address:
neither may appear anywhere, and her record is gone from the HR stream. Intake, where person ids
live, is also searched for her opaque id: it keeps her idea under a former-employee token only.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller
from nats.js.errors import NotFoundError
from sqlalchemy import select

from ideapaja_contracts.events.hr import PersonUpserted, UnitKind, UnitUpserted
from ideapaja_contracts.events.privacy import ErasureRequested
from ideapaja_runtime.inbox import inbox_table
from ideapaja_runtime.service import ServiceSpec, discover_services
from ideapaja_runtime.testing import (
    DevKeys,
    RunningService,
    TokenEndpoint,
    eventually,
    fast_test_settings,
    free_port,
    publish_event,
    running_service,
    stream_messages,
)

NAME = "Ulla Poistettava"
EMAIL = "ulla.poistettava@kuusijarvi.example"
# Searched for case-insensitively: her surname is in both her name and her address.
TRACES = (NAME, EMAIL, "Poistettava")
UNIT, DEPARTMENT = "u-kirjasto", "d-sivistys"
AGENT = "p-1001"  # the library's change agent
HR_STREAM = "IDEAPAJA_HR"
PRIVACY = "privacy"

# Settings that make each service quick here, given to those whose settings have them.
FAST = {
    "smtp_host": "127.0.0.1",
    "sender_poll_seconds": 0.1,
    "delivery_retry_base_seconds": 0.1,
    "delivery_retry_max_seconds": 0.3,
    "smtp_timeout_seconds": 2.0,
    "sender_lease_seconds": 10.0,
    "deadline_sweep_seconds": 0,
    "sweep_seconds": 0,
}


class Mailbox:
    """A local SMTP server that keeps what it receives."""

    def __init__(self) -> None:
        self.port = free_port()
        self.received: list[tuple[list[str], bytes]] = []
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received.append((list(envelope.rcpt_tos), bytes(envelope.content)))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[bytes]:
        return [content for rcpt, content in self.received if address in rcpt]


@dataclass
class System:
    services: dict[str, RunningService]
    databases: dict[str, Path]
    mailbox: Mailbox
    person_id: str
    stack: AsyncExitStack = field(default_factory=AsyncExitStack)

    def client(self, name: str) -> httpx.AsyncClient:
        return self.services[name].client


def _settings(spec: ServiceSpec, **values: Any) -> Any:
    fields = spec.settings_class.model_fields
    wanted = {k: v for k, v in {**FAST, **values}.items() if k in fields}
    return spec.settings_class.model_validate(fast_test_settings(**wanted))


@pytest.fixture
async def system(nats_url: str, tmp_path: Path, dev_keys: DevKeys) -> AsyncIterator[System]:
    specs = discover_services()
    if PRIVACY not in specs:
        pytest.skip("the privacy service is not installed")
    mailbox = Mailbox()
    mailbox.controller.start()
    databases = {name: tmp_path / f"{name}.db" for name in specs}
    # Privacy asks every other service over HTTP; here each one answers in-process, and the
    # identity provider's token endpoint gives privacy its own token (client credentials).
    peers = {name: f"http://{name}.test" for name in specs}
    idp = TokenEndpoint(dev_keys, {PRIVACY: "privacy-client-secret"})
    stack = AsyncExitStack()
    services: dict[str, RunningService] = {}
    try:
        for name, spec in specs.items():
            settings = _settings(
                spec,
                nats_url=nats_url,
                database_url=f"sqlite+aiosqlite:///{databases[name]}",
                auth_public_key=dev_keys.public_pem,
                smtp_port=mailbox.port,
                peer_urls=peers,
                **(idp.settings(PRIVACY) if name == PRIVACY else {}),
            )
            services[name] = await stack.enter_async_context(running_service(spec, settings))
        from ideapaja_privacy.peers import PEER_TRANSPORTS

        services[PRIVACY].runtime.extras[PEER_TRANSPORTS] = {
            **{
                peers[name]: httpx.ASGITransport(app=running.app)
                for name, running in services.items()
            },
            idp.origin: idp.transport,
        }
        yield System(
            services, databases, mailbox, person_id=f"p-ulla-{uuid.uuid4().hex[:6]}", stack=stack
        )
    finally:
        await stack.aclose()
        mailbox.controller.stop()


def _hr_events(person_id: str) -> list[Any]:
    return [
        UnitUpserted(unit_id=DEPARTMENT, kind=UnitKind.DEPARTMENT, name_fi="Sivistystoimiala"),
        UnitUpserted(
            unit_id=UNIT, kind=UnitKind.UNIT, parent_id=DEPARTMENT, name_fi="Kirjastopalvelut"
        ),
        PersonUpserted(
            person_id=AGENT,
            unit_id=UNIT,
            display_name="Aino Virtanen",
            email="aino.virtanen@kuusijarvi.example",
            roles=["employee", "change_agent"],
        ),
        PersonUpserted(
            person_id=person_id,
            unit_id=UNIT,
            display_name=NAME,
            email=EMAIL,
            language="fi",
            roles=["employee"],
        ),
    ]


async def _ok(response: httpx.Response) -> Any:
    return response.json() if response.status_code == 200 else None


async def _drive_the_flow(system: System, js: Any, dev_keys: DevKeys) -> str:
    """HR data, her idea through intake, accepted in review; rewarded and mailed. The idea id."""
    ulla = dev_keys.headers(system.person_id, "employee", units=[UNIT])
    agent = dev_keys.headers(AGENT, "employee", "change_agent", units=[UNIT])
    for event in _hr_events(system.person_id):
        await publish_event(js, event)

    intake, review, reward = (system.client(n) for n in ("intake", "review", "reward"))

    async def unit_known() -> bool:
        response = await intake.get("/units", headers=ulla)
        return response.status_code == 200 and UNIT in response.text

    await eventually(unit_known, timeout=20)
    submitted = await intake.post(
        "/ideas",
        headers=ulla,
        json={
            "title": "Omatoimikirjasto iltaisin",
            "problem": "Vuorotyötä tekevät eivät ehdi kirjastoon aukioloaikoina.",
            "solution": "Avataan omatoimiaika klo 20–22 kulkukortilla.",
            "scope": "unit",
            "unit_id": UNIT,
            "language": "fi",
        },
    )
    assert submitted.status_code == 201, submitted.text
    idea_id = str(submitted.json()["id"])

    case = await eventually(lambda: _ok_get(review, f"/cases/by-idea/{idea_id}", agent), timeout=20)
    decided = await review.post(
        f"/cases/{case['id']}/decision",
        headers=agent,
        json={"decision": "accepted", "rationale": "Kokeillaan keväällä pääkirjastossa."},
    )
    assert decided.status_code in (200, 201), decided.text

    async def rewarded() -> bool:
        ledger = await _ok_get(reward, "/ledger/me", ulla)
        return bool(ledger) and ledger["total_points"] == 55

    await eventually(rewarded, timeout=20)

    async def mailed() -> bool:
        # The decision and the two rewards (submitted, accepted).
        return len(system.mailbox.to(EMAIL)) == 3

    await eventually(mailed, timeout=20)
    assert all(NAME.encode() in mail for mail in system.mailbox.to(EMAIL))
    return idea_id


async def _ok_get(client: httpx.AsyncClient, path: str, headers: dict[str, str]) -> Any:
    return await _ok(await client.get(path, headers=headers))


async def _hr_record(js: Any, person_id: str) -> Any:
    """The person's record in the HR stream (the stream keeps the last one per subject)."""
    try:
        return await js.get_last_msg(HR_STREAM, f"hr.person.{person_id}")
    except NotFoundError:
        return None


def _sections(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {section["service"]: section for section in report["services"]}


async def _erasure_handled_everywhere(system: System, event_id: str) -> list[str]:
    """Wait until every service that consumes ErasureRequested has handled it (its inbox row,
    written in the transaction of its erasure); the services that consume it. A consumer that
    asks first whether it has work (``interest``: the webhooks, with no endpoint here) records
    nothing of an event it has none for."""
    consumers = {
        name: [
            p.consumer
            for p in running.runtime.processors
            if ErasureRequested in p.subscription.handlers and p.subscription.interest is None
        ]
        for name, running in system.services.items()
    }
    handlers = {name: found for name, found in consumers.items() if found}

    async def handled() -> bool:
        for name, names in handlers.items():
            async with system.services[name].runtime.db.transaction() as session:
                found = await session.scalars(
                    select(inbox_table.c.consumer).where(
                        inbox_table.c.event_id == event_id, inbox_table.c.consumer.in_(names)
                    )
                )
                if sorted(found.all()) != sorted(names):
                    return False
        return True

    await eventually(handled, timeout=30)
    return sorted(handlers)


def _traces_in(database: Path, traces: tuple[str, ...] = TRACES) -> list[str]:
    """Every table, every text or binary value (JSON included), searched for her traces."""
    found = []
    with sqlite3.connect(database) as conn:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        assert tables, f"{database} has no tables"
        for table in tables:
            columns = [row[1] for row in conn.execute(f'PRAGMA table_info("{table}")')]
            for row in conn.execute(f'SELECT * FROM "{table}"'):  # noqa: S608 - our own names
                for column, value in zip(columns, row, strict=True):
                    if isinstance(value, bytes):
                        text = value.decode("utf-8", errors="replace")
                    elif isinstance(value, str):
                        text = value
                    else:
                        continue
                    for trace in traces:
                        if trace.lower() in text.lower():
                            found.append(f"{database.stem}.{table}.{column}: {text[:200]!r}")
                            break
    return found


async def test_an_erased_person_leaves_no_trace_in_any_database(
    system: System, js: Any, dev_keys: DevKeys
) -> None:
    person_id = system.person_id
    idea_id = await _drive_the_flow(system, js, dev_keys)
    # Before: she is there (the search below can find her).
    before = {name: _traces_in(path) for name, path in system.databases.items()}
    assert before["notification"], "notification holds her contact and mails before erasure"
    # Intake holds no name, only her id: as author, in her idempotency key, her rate-limit count.
    assert _traces_in(system.databases["intake"], (person_id,)), "intake holds her id before"
    assert await _hr_record(js, person_id) is not None

    hr = dev_keys.headers("p-hr", "hr")
    response = await system.client(PRIVACY).post(
        "/erasures", headers=hr, json={"person_id": person_id, "reason": "Tietosuojapyyntö TS-1"}
    )
    assert response.status_code == 201, response.text
    erasure_id = response.json()["id"]

    handled_by = await _erasure_handled_everywhere(system, erasure_id)
    assert {"intake", "notification", "review", "reward"} <= set(handled_by)
    # Her HR record is gone; the change agent's stays.
    assert await _hr_record(js, person_id) is None
    assert await _hr_record(js, AGENT) is not None

    # The event streams never carried her name or address (DESIGN: opaque ids only), and no
    # consumer dead-lettered an HR record of hers.
    for stream in ("IDEAPAJA", "IDEAPAJA_DLQ"):
        for message in await stream_messages(js, stream):
            text = (message.data or b"").decode("utf-8", errors="replace").lower()
            text += json.dumps(dict(message.headers or {})).lower()
            assert not any(t.lower() in text for t in TRACES), (stream, message.subject)

    # Stop everything (graceful: in-flight work committed), then read the files themselves.
    await system.stack.aclose()
    found = [trace for path in system.databases.values() for trace in _traces_in(path)]
    assert found == [], "personal data left after erasure:\n" + "\n".join(found)
    # Intake is where person ids live: not even her opaque id is left in any of its tables (the
    # outbox's copies of published events and the inbox included).
    left = _traces_in(system.databases["intake"], (person_id,))
    assert left == [], "intake still names her after erasure:\n" + "\n".join(left)

    # What stays is what the law keeps: her idea, her points, under her opaque id only.
    with sqlite3.connect(system.databases["reward"]) as conn:
        points = conn.execute(
            "SELECT SUM(points) FROM points_ledger WHERE person_id = ?", (person_id,)
        ).fetchone()[0]
    assert points == 55
    with sqlite3.connect(system.databases["review"]) as conn:
        [(authors,)] = conn.execute(
            "SELECT author_ids FROM review_cases WHERE idea_id = ?", (idea_id,)
        ).fetchall()
    assert json.loads(authors) == [person_id]
    # Intake keeps her idea, as a former employee's: one stable token in her place.
    with sqlite3.connect(system.databases["intake"]) as conn:
        [(title,)] = conn.execute("SELECT title FROM ideas WHERE id = ?", (idea_id,)).fetchall()
        [(author,)] = conn.execute(
            "SELECT person_id FROM idea_authors WHERE idea_id = ?", (idea_id,)
        ).fetchall()
    assert title == "Omatoimikirjasto iltaisin" and author.startswith("former-")


async def test_the_access_report_lists_what_every_service_holds(
    system: System, js: Any, dev_keys: DevKeys
) -> None:
    person_id = system.person_id
    idea_id = await _drive_the_flow(system, js, dev_keys)
    privacy = system.client(PRIVACY)
    own = dev_keys.headers(person_id, "employee", units=[UNIT])
    # Intake's timeline follows review and reward on its own consumers: let it settle (two reads
    # a moment apart agree) before the gathered report is compared with a direct one below.
    intake_own = f"/privacy/persons/{person_id}"
    token = dev_keys.token("service:privacy", "privacy-service")

    async def settled() -> bool:
        headers = {"Authorization": f"Bearer {token}"}
        first = (await system.client("intake").get(intake_own, headers=headers)).json()
        await asyncio.sleep(0.5)
        return first == (await system.client("intake").get(intake_own, headers=headers)).json()

    await eventually(settled, timeout=30)

    response = await privacy.get(f"/persons/{person_id}/report", headers=own)
    assert response.status_code == 200, response.text
    report = response.json()
    sections = _sections(report)
    assert set(sections) == set(system.services)
    for name in ("privacy", "intake", "notification", "review", "reward"):
        assert sections[name]["status"] == "ok", sections[name]
    for name, section in sections.items():
        # A service without a privacy report (yet) is named, never silently left out.
        assert section["status"] in ("ok", "no_report"), (name, section)
    assert report["complete"] == all(s["status"] == "ok" for s in sections.values())
    # Every installed service answers with its data (intake was the last without a report).
    assert report["complete"] is True, [(n, s["status"]) for n, s in sections.items()]

    notification = sections["notification"]["data"]
    assert notification["contact"]["display_name"] == NAME
    assert notification["contact"]["email"] == EMAIL
    assert len(notification["deliveries"]) == 3
    assert {d["address"] for d in notification["deliveries"]} == {EMAIL}
    reward = sections["reward"]["data"]
    assert reward["total_points"] == 55
    assert sorted(g["points"] for g in reward["grants"]) == [5, 50]
    intake = sections["intake"]["data"]
    assert [(i["idea_id"], i["role"], i["title"]) for i in intake["ideas"]] == [
        (idea_id, "submitter", "Omatoimikirjasto iltaisin")
    ]
    assert [v["idea_id"] for v in intake["versions_edited"]] == [idea_id]
    assert [w["submissions"] for w in intake["rate_limit_windows"]] == [1]
    review = sections["review"]["data"]
    assert [c["idea_id"] for c in review["cases_authored"]] == [idea_id]
    assert review["org"]["unit_id"] == UNIT and review["org"]["roles"] == ["employee"]

    # HR sees the same; a colleague sees nothing of hers; every view is audited.
    as_hr = await privacy.get(
        f"/persons/{person_id}/report", headers=dev_keys.headers("p-hr", "hr")
    )
    assert _sections(as_hr.json())["reward"]["data"] == reward
    colleague = dev_keys.headers(AGENT, "employee", "change_agent", units=[UNIT])
    refused = await privacy.get(f"/persons/{person_id}/report", headers=colleague)
    assert refused.status_code == 403 and refused.json()["reason"] == "object"

    # The services were asked with the privacy service's own token: each of them gives it
    # anyone's data, while the colleague asking them directly still gets nothing of hers, and
    # another service's token (or a person's token claiming no role) gets no report either.
    from ideapaja_privacy.peers import SERVICE_TOKENS

    service_token = await system.services[PRIVACY].runtime.extras[SERVICE_TOKENS].token()
    as_privacy = {"Authorization": f"Bearer {service_token}"}
    as_reward = {"Authorization": f"Bearer {dev_keys.token('service:reward', 'reward-service')}"}
    for name in sorted(set(system.services) - {PRIVACY}):
        path = f"/privacy/persons/{person_id}"
        direct = await system.client(name).get(path, headers=as_privacy)
        assert direct.status_code == 200, (name, direct.text)
        assert direct.json() == sections[name]["data"], name
        by_colleague = await system.client(name).get(path, headers=colleague)
        assert (by_colleague.status_code, by_colleague.json()["reason"]) == (403, "object"), name
        by_reward = await system.client(name).get(path, headers=as_reward)
        assert (by_reward.status_code, by_reward.json()["reason"]) == (403, "role"), name
    admin = dev_keys.headers("p-admin", "admin")
    audit = (await privacy.get(f"/audit?person_id={person_id}", headers=admin)).json()
    assert [(e["actor_id"], e["action"]) for e in audit["items"]] == [
        ("p-hr", "report.viewed"),
        (person_id, "report.viewed"),
    ]

    # After her erasure the report shows the blanks.
    erased = await privacy.post(
        "/erasures",
        headers=dev_keys.headers("p-hr", "hr"),
        json={"person_id": person_id, "reason": "Tietosuojapyyntö TS-2"},
    )
    await _erasure_handled_everywhere(system, erased.json()["id"])
    after = (
        await privacy.get(f"/persons/{person_id}/report", headers=dev_keys.headers("p-hr", "hr"))
    ).json()
    text = json.dumps(after, ensure_ascii=False).lower()
    assert all(trace.lower() not in text for trace in TRACES)
    erasures = _sections(after)["privacy"]["data"]["erasures"]
    assert [e["id"] for e in erasures] == [erased.json()["id"]]
    # Intake has nothing left under her id: her idea is a former employee's now.
    intake_after = _sections(after)["intake"]["data"]
    assert intake_after["ideas"] == [] and intake_after["rate_limit_windows"] == []
    assert intake_after["erasure"]["erasure_id"] == erased.json()["id"]


async def test_only_her_own_access_report_shows_that_she_wrote_an_anonymous_idea(
    system: System, js: Any, dev_keys: DevKeys
) -> None:
    """She writes a named and an anonymous idea; the anonymous one is accepted (a decision mail
    and reward mails follow). Through the privacy service, her own report lists both ideas in
    every service; HR's leaves out of intake, review and notification whatever says she wrote
    the anonymous one, counting it. Reward's ledger is the reward process itself (HR/payroll
    receives every grant anyway) and lists both."""
    person_id = system.person_id
    ulla = dev_keys.headers(person_id, "employee", units=[UNIT])
    agent = dev_keys.headers(AGENT, "employee", "change_agent", units=[UNIT])
    for event in _hr_events(person_id):
        await publish_event(js, event)
    intake, review = system.client("intake"), system.client("review")

    async def unit_known() -> bool:
        response = await intake.get("/units", headers=ulla)
        return response.status_code == 200 and UNIT in response.text

    await eventually(unit_known, timeout=20)
    ideas = {}
    for title, anonymous in (("Nimellinen idea", False), ("Nimetön idea", True)):
        submitted = await intake.post(
            "/ideas",
            headers=ulla,
            json={
                "title": title,
                "problem": "Vuorotyötä tekevät eivät ehdi kirjastoon aukioloaikoina.",
                "solution": "Avataan omatoimiaika klo 20–22 kulkukortilla.",
                "scope": "unit",
                "unit_id": UNIT,
                "language": "fi",
                "anonymous": anonymous,
            },
        )
        assert submitted.status_code == 201, submitted.text
        ideas[anonymous] = str(submitted.json()["id"])
    named, anonymous_id = ideas[False], ideas[True]
    case = await eventually(
        lambda: _ok_get(review, f"/cases/by-idea/{anonymous_id}", agent), timeout=20
    )
    decided = await review.post(
        f"/cases/{case['id']}/decision",
        headers=agent,
        json={"decision": "accepted", "rationale": "Kokeillaan keväällä pääkirjastossa."},
    )
    assert decided.status_code in (200, 201), decided.text

    async def mailed() -> bool:  # three rewards (two submitted, one accepted), one decision
        return len(system.mailbox.to(EMAIL)) == 4

    await eventually(mailed, timeout=20)

    privacy = system.client(PRIVACY)
    hr = dev_keys.headers("p-hr", "hr")

    async def all_sent() -> bool:
        # The catcher has the mails a moment before notification marks them sent: compare
        # reports only once nothing changes between one and the next ...
        own = _sections((await privacy.get(f"/persons/{person_id}/report", headers=ulla)).json())
        sent = own["notification"]["data"]["deliveries"]
        # ... and intake has recorded all three rewards too.
        return (
            len(sent) == 4
            and {d["status"] for d in sent} == {"sent"}
            and len(own["intake"]["data"]["rewards"]) == 3
        )

    await eventually(all_sent, timeout=20)
    own = _sections((await privacy.get(f"/persons/{person_id}/report", headers=ulla)).json())
    as_hr = _sections((await privacy.get(f"/persons/{person_id}/report", headers=hr)).json())
    for sections in (own, as_hr):
        assert all(s["status"] == "ok" for s in sections.values()), sections

    # Hers: everything, nothing withheld.
    assert sorted(i["idea_id"] for i in own["intake"]["data"]["ideas"]) == sorted(ideas.values())
    assert sorted(c["idea_id"] for c in own["review"]["data"]["cases_authored"]) == sorted(
        ideas.values()
    )
    assert len(own["notification"]["data"]["deliveries"]) == 4
    for name in ("intake", "review", "notification"):
        assert own[name]["data"]["anonymous_items_withheld"] == 0, name

    # HR's: the named idea only; the anonymous one is counted, never named, in those services.
    assert [i["idea_id"] for i in as_hr["intake"]["data"]["ideas"]] == [named]
    assert [c["idea_id"] for c in as_hr["review"]["data"]["cases_authored"]] == [named]
    assert [d["idea_id"] for d in as_hr["notification"]["data"]["deliveries"]] == [named]
    assert as_hr["notification"]["data"]["ideas_authored"] == [
        {"id": named, "title": "Nimellinen idea", "language": "fi", "anonymous": False}
    ]
    # intake: the idea, its version, the two rewards it records; review: its case;
    # notification: the decision, the two reward mails, their three inbox items and the idea;
    # the receipt and the screening notice, each an inbox item and a digest item.
    withheld = {
        name: as_hr[name]["data"]["anonymous_items_withheld"]
        for name in ("intake", "review", "notification")
    }
    assert withheld == {"intake": 4, "review": 1, "notification": 11}, withheld
    for name in ("intake", "review", "notification"):
        text = json.dumps(as_hr[name]["data"], ensure_ascii=False)
        assert anonymous_id not in text and "Nimetön" not in text, name
        assert as_hr[name]["data"]["withheld_note"], name
    # Reward's ledger is left as it is (see services/privacy/README.md).
    assert as_hr["reward"]["data"] == own["reward"]["data"]

    # HR asking a service directly and claiming to ask for her gets HR's view, nothing more.
    forged = {**hr, "Ideapaja-Requested-By": person_id}
    for name in ("intake", "review", "notification"):
        direct = await system.client(name).get(f"/privacy/persons/{person_id}", headers=forged)
        assert direct.status_code == 200, (name, direct.text)
        assert direct.json() == as_hr[name]["data"], name
