"""Builders and helpers shared by the review service's tests."""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ideapaja_contracts import Event, encode
from ideapaja_contracts.events.hr import HrRole, PersonLeft, PersonUpserted, UnitKind, UnitUpserted
from ideapaja_contracts.events.idea import IdeaSubmitted, Scope
from ideapaja_review.db.models import CaseRow, OrgPersonRow, OrgUnitRow
from ideapaja_review.settings import ReviewSettings
from ideapaja_review.usecases.due_cases import OpenUnit
from ideapaja_runtime.clock import utc_now
from ideapaja_runtime.db import Database
from ideapaja_runtime.messaging import HandlerContext
from ideapaja_runtime.outbox import Outbox, outbox_table
from ideapaja_runtime.testing import (
    DevKeys,
    RunningService,
    eventually,
    fast_test_settings,
    handler_context,
)
from ideapaja_runtime.testing_builders import wiring
from ideapaja_runtime.uow import open_unit_of_work

SOURCE = "/test/hr"


def unit(unit_id: str, parent_id: str | None = None) -> UnitUpserted:
    kind = UnitKind.DEPARTMENT if unit_id.startswith("d-") else UnitKind.UNIT
    return UnitUpserted(unit_id=unit_id, kind=kind, parent_id=parent_id, name_fi=unit_id)


def person(person_id: str, unit_id: str, *roles: str) -> PersonUpserted:
    return PersonUpserted(
        person_id=person_id,
        unit_id=unit_id,
        display_name=person_id,
        email=f"{person_id}@example.org",
        roles=[HrRole(r) for r in (roles or ("employee",))],
    )


def left(person_id: str) -> PersonLeft:
    return PersonLeft(person_id=person_id, left_on="2025-01-31")


def idea(
    idea_id: str | None = None,
    *,
    scope: Scope = Scope.UNIT,
    unit_id: str = "u-kirjasto",
    authors: Iterable[str] = ("p-author",),
    anonymous: bool = False,
) -> IdeaSubmitted:
    return IdeaSubmitted(
        idea_id=idea_id or f"i-{uuid.uuid4().hex[:10]}",
        title="Omatoimikirjasto iltaisin",
        problem="Asiakkaat eivät ehdi kirjastoon aukioloaikoina.",
        solution="Avataan omatoimikirjasto arki-iltoihin.",
        scope=scope,
        unit_id=unit_id,
        author_ids=list(authors),
        author_ref="a-ref1",
        anonymous=anonymous,
    )


# A small city: two departments, units below them, reviewers of every kind.
ORG_UNITS = [
    unit("d-sivistys"),
    unit("d-tekninen"),
    unit("u-kirjasto", "d-sivistys"),
    unit("u-koulu", "d-sivistys"),
    unit("u-tyhja", "d-sivistys"),  # nobody reviews here: falls back to the department
    unit("u-puisto", "d-tekninen"),
]
ORG_PEOPLE = [
    person("p-ca-kirjasto", "u-kirjasto", "employee", "change_agent"),
    person("p-sup-kirjasto", "u-kirjasto", "employee", "supervisor"),
    person("p-emp-kirjasto", "u-kirjasto", "employee"),
    person("p-ca-koulu", "u-koulu", "employee", "change_agent"),
    person("p-ca-sivistys", "d-sivistys", "employee", "change_agent"),
    person("p-ca-puisto", "u-puisto", "employee", "change_agent"),
    person("p-com-1", "u-koulu", "employee", "committee_member"),
    person("p-com-2", "u-puisto", "employee", "committee_member"),
]
ORG = [*ORG_UNITS, *ORG_PEOPLE]


def review_settings(**overrides: Any) -> ReviewSettings:
    return ReviewSettings(**fast_test_settings(**overrides))  # type: ignore[arg-type]


def settings_for(
    nats_url: str, database_url: str, dev_keys: DevKeys, **extra: Any
) -> ReviewSettings:
    """A running service's settings: this test's NATS server, database and token key."""
    return review_settings(**wiring(nats_url, database_url, dev_keys), **extra)


async def org_loaded(running: RunningService) -> bool:
    """The running service has all of HR's organisation (ORG)."""
    async with running.runtime.db.transaction() as session:
        units = await session.scalar(select(func.count()).select_from(OrgUnitRow))
        people = await session.scalar(select(func.count()).select_from(OrgPersonRow))
    return units == len(ORG_UNITS) and people == len(ORG_PEOPLE)


async def load_org(js: Any, running: RunningService) -> None:
    """Publish HR's organisation and wait until the running service has it."""
    for event in ORG:
        await publish(js, event)
    await eventually(lambda: org_loaded(running))


async def drained(running: RunningService) -> bool:
    """The running service's outbox relay has published everything."""
    assert running.runtime.relay is not None
    return await running.runtime.relay.pending() == 0


def replica_at(db: Database, moment: datetime) -> OpenUnit:
    """Opens a unit of work on ``db`` as one replica of review would, its clock at ``moment``
    (sweeps racing each other on one database)."""
    return lambda: open_unit_of_work(
        db, review_settings(), Outbox("/ideapaja/review"), clock=lambda: moment
    )


@dataclass
class Delivery:
    """Runs the service's handlers directly in a transaction, as the consumer would."""

    db: Database
    handlers: dict[type[Event], Callable[[Any, HandlerContext], Awaitable[None]]]
    outbox: Outbox
    # The consumer's: its settings (the configured routing rule) and the service's clock.
    settings: ReviewSettings = field(default_factory=lambda: review_settings())
    clock: Callable[[], datetime] = utc_now

    async def __call__(self, event: Event, *, at: datetime | None = None) -> None:
        envelope = encode(event, source=SOURCE, time=at or datetime.now(UTC)).envelope
        handler = self.handlers[type(event)]
        async with handler_context(
            self.db, envelope, settings=self.settings, outbox=self.outbox, clock=self.clock
        ) as ctx:
            await handler(event, ctx)

    async def all(self, events: Iterable[Event]) -> None:
        for event in events:
            await self(event)


async def outbox_events(db: Database, event_type: str | None = None) -> list[dict[str, Any]]:
    """Event bodies in the outbox (sent or not), oldest first, optionally of one type."""
    async with db.transaction() as session:
        rows = (
            (await session.execute(select(outbox_table).order_by(outbox_table.c.seq)))
            .mappings()
            .all()
        )
    return [
        dict(json.loads(row["body"]), _type=row["headers"]["ce-type"])
        for row in rows
        if event_type is None or row["headers"]["ce-type"] == event_type
    ]


async def case_count(session: AsyncSession, idea_id: str) -> int:
    return int(
        await session.scalar(
            select(func.count()).select_from(CaseRow).where(CaseRow.idea_id == idea_id)
        )
        or 0
    )


async def stream_events(js: Any, subject: str, stream: str = "IDEAPAJA") -> list[dict[str, Any]]:
    """Every message now stored on ``subject``, read with a throwaway consumer."""
    sub = await js.pull_subscribe(subject, stream=stream)
    try:
        pending = (await sub.consumer_info()).num_pending
        messages = await sub.fetch(pending, timeout=5) if pending else []
        for message in messages:
            await message.ack()
        return [dict(json.loads(m.data), _id=m.headers["ce-id"]) for m in messages]
    finally:
        await sub.unsubscribe()


async def publish(js: Any, event: Event, **encode_args: Any) -> str:
    message = encode(event, source=SOURCE, **encode_args)
    await js.publish(message.subject, message.body, headers=message.headers)
    return message.envelope.id


def encode_msg(event: Event, **encode_args: Any) -> Any:
    return encode(event, source=SOURCE, **encode_args)


# --- A running service for API tests, with a clock the test controls ---------------------------


class FakeClock:
    """The service's clock in tests: starts now (or at ``start``) and moves a microsecond per
    reading (so events keep their order, as in life) and by days when told."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime.now(UTC)

    def __call__(self) -> datetime:
        from datetime import timedelta

        self.now += timedelta(microseconds=1)
        return self.now

    def advance(self, **delta: float) -> datetime:
        from datetime import timedelta

        self.now += timedelta(**delta)
        return self.now


def org_delivery(
    db: Database,
    extra: dict[type[Event], Callable[[Any, HandlerContext], Awaitable[None]]] | None = None,
    **options: Any,
) -> Delivery:
    """Delivers HR's organisation events and submitted ideas (plus ``extra``) to the service's
    handlers on ``db``, with its own outbox; ``options`` are Delivery's (settings, clock)."""
    from ideapaja_review import handlers

    return Delivery(
        db,
        {
            UnitUpserted: handlers.on_unit_upserted,
            PersonUpserted: handlers.on_person_upserted,
            PersonLeft: handlers.on_person_left,
            IdeaSubmitted: handlers.on_idea_submitted,
            **(extra or {}),
        },
        Outbox("/ideapaja/review"),
        **options,
    )


def handler_delivery(running: Any) -> Delivery:
    """Delivers events straight to the running service's handlers (its clock included)."""
    from ideapaja_review import handlers

    runtime = running.runtime
    return Delivery(
        runtime.db,
        dict(handlers.HANDLERS),
        runtime.outbox,
        settings=runtime.settings,
        # Looked up on every event, so a test can replace the clock of a running service.
        clock=lambda: runtime.clock(),
    )


def events_of(events: list[dict[str, Any]], **match: Any) -> list[dict[str, Any]]:
    return [e for e in events if all(e.get(k) == v for k, v in match.items())]


# A wider city for the workflow tests: a committee, owners, other units adopting practices.
WORKFLOW_ORG = [
    *ORG,
    person("p-sup-koulu", "u-koulu", "employee", "supervisor"),
    person("p-sup-sivistys", "d-sivistys", "employee", "supervisor"),
    person("p-com-3", "u-kirjasto", "employee", "committee_member"),
    person("p-com-4", "u-koulu", "employee", "committee_member"),
    person("p-com-5", "u-puisto", "employee", "committee_member"),
    person("p-owner", "u-kirjasto", "employee"),
]


# --- Reading the API's answers in tests --------------------------------------------------------

Headers = dict[str, str]
As = Callable[..., Headers]
NewCase = Callable[..., Awaitable[dict[str, Any]]]


def ok(response: Any, status: int = 200) -> Any:
    """The body of an answer that must have ``status`` (None when it has no body)."""
    assert response.status_code == status, response.text
    return response.json() if response.content else None


def refused(response: Any, status: int) -> dict[str, Any]:
    """The body of a refusal with ``status``."""
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    return body


def problem(response: Any, status: int) -> dict[str, Any]:
    """A problem+json answer with ``status`` (in the header and the body)."""
    from ideapaja_runtime.problems import PROBLEM_JSON

    body = refused(response, status)
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    assert body["status"] == status
    return body


async def emitted(running: Any, kind: str, **match: Any) -> list[dict[str, Any]]:
    """The ``ideapaja.<kind>.v1`` events in the running service's outbox matching ``match``."""
    return events_of(await outbox_events(running.runtime.db, f"ideapaja.{kind}.v1"), **match)


# --- Cases over HTTP (test_api_cases, test_api_decisions) ----------------------------------------

# ORG and a unit with a change agent of its own, whose work list holds only a test's cases.
API_ORG = [*ORG, unit("u-lista", "d-tekninen"), person("p-ca-lista", "u-lista", "change_agent")]
CA_KIRJASTO = ("p-ca-kirjasto", "change_agent")
SUP_KIRJASTO = ("p-sup-kirjasto", "employee", "supervisor")
CA_PUISTO = ("p-ca-puisto", "change_agent")
EMPLOYEE = ("p-emp-kirjasto", "employee")
COMMITTEE = ("p-com-1", "employee", "committee_member")
ADMIN = ("p-admin", "admin")
ACCEPT = {"decision": "accepted", "rationale": "Kokeillaan syksyllä."}
DECIDED = "ideapaja.review.decided.v1"


async def decided_events(running: Any, case_id: str) -> list[dict[str, Any]]:
    return [e for e in await outbox_events(running.runtime.db, DECIDED) if e["case_id"] == case_id]


async def city_committee(
    client: Any, admin: Headers, members: Iterable[tuple[str, str]], quorum: int = 1
) -> str:
    """A city-wide committee with ``members`` as (person id, role); its id."""
    body = {"name": "Kehittämistoimikunta", "city_wide": True, "quorum": quorum}
    created = ok(await client.post("/committees", json=body, headers=admin), 201)
    for person_id, role in members:
        path = f"/committees/{created['id']}/members/{person_id}"
        ok(await client.put(path, json={"role": role}, headers=admin))
    return str(created["id"])


async def call_meeting(
    client: Any,
    committee_id: str,
    headers: Headers,
    *,
    title: str,
    scheduled_at: str,
    case_ids: list[str] | None = None,
) -> dict[str, Any]:
    """A meeting of the committee, called (201) and answered with its agenda; without
    ``case_ids`` the service builds the agenda from the cases waiting for the committee."""
    body: dict[str, Any] = {"title": title, "scheduled_at": scheduled_at}
    if case_ids is not None:
        body["case_ids"] = case_ids
    path = f"/committees/{committee_id}/meetings"
    return dict(ok(await client.post(path, json=body, headers=headers), 201))
