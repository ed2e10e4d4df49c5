"""The data the benchmark feeds the services: real contract events (``ideapaja_contracts`` models,
encoded as the runtime's relay encodes them) and the demo organisation, published to JetStream
with a window of acknowledgements in flight. This is the documented generator: nothing here
writes into a service's database."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache

from nats.js import JetStreamContext

from ideapaja_contracts import Event, OutgoingMessage, encode
from ideapaja_contracts.events.hr import PersonUpserted
from ideapaja_contracts.events.idea import IdeaSubmitted, Scope
from ideapaja_contracts.events.review import Decision, ReviewDecided, ScreeningStarted
from ideapaja_runner import hr_records
from ideapaja_runner.hr_import import import_organisation

SOURCE = "/bench"
# In-flight publish acknowledgements: how a relay or an importer pipelines into JetStream.
WINDOW = 256
# A server that syncs every write may take seconds for an ack under a full window.
PUBLISH_TIMEOUT = 30.0


@dataclass(frozen=True)
class Person:
    person_id: str
    unit_id: str
    roles: tuple[str, ...]
    language: str
    email: str


@cache
def demo_people() -> tuple[Person, ...]:
    """The demo organisation's people (Kuusijärvi / Granträsk), with their token roles."""
    org = hr_records.parse_organisation(hr_records.demo_csv_text(), source="demo")
    people = []
    for record in org.persons:
        event = record.event
        assert isinstance(event, PersonUpserted)
        roles, _units = hr_records.person_claims(org, event.person_id)
        people.append(
            Person(event.person_id, event.unit_id, tuple(roles), event.language, event.email)
        )
    return tuple(people)


def authors() -> list[Person]:
    """Employees of a unit with a change agent (who gets the case; not one themselves, so
    the agent may decide their ideas): they submit the ideas."""
    agents = {p.unit_id for p in demo_people() if "change_agent" in p.roles}
    return [p for p in demo_people() if p.unit_id in agents and "change_agent" not in p.roles]


def change_agent(unit_id: str) -> Person:
    return next(p for p in demo_people() if p.unit_id == unit_id and "change_agent" in p.roles)


async def import_demo_organisation(nats_url: str) -> None:
    """The HR stream as ``ideapaja up --demo`` fills it (creates the streams too)."""
    await import_organisation(hr_records.demo_csv_text(), nats_url, source="demo")


def idea_id(n: int, run: str) -> str:
    return f"i-bench-{run}-{n}"


def idea_texts(title: str, unit_id: str = "u-kirjasto", language: str = "fi") -> dict[str, str]:
    """An idea's fields as a person fills them in (a submission's body, an event's content)."""
    return {
        "title": title,
        "problem": "Vuorotyöläiset eivät ehdi kirjastoon aukioloaikoina.",
        "solution": "Avataan omatoimiaika klo 20–22 kulkukortilla.",
        "benefit": "Enemmän lainaajia ilman lisähenkilöstöä.",
        "scope": Scope.UNIT.value,
        "unit_id": unit_id,
        "language": language,
    }


def idea_submitted(n: int, run: str) -> IdeaSubmitted:
    author = authors()[n % len(authors())]
    return IdeaSubmitted(
        idea_id=idea_id(n, run),
        **idea_texts(f"Omatoimikirjasto iltaisin {n}", author.unit_id, author.language),
        author_ids=[author.person_id],
        author_ref=f"ref-{run}-{n}",
    )


def review_decided(n: int, run: str) -> ReviewDecided:
    author = authors()[n % len(authors())]
    return ReviewDecided(
        case_id=f"c-bench-{run}-{n}",
        idea_id=idea_id(n, run),
        decision=Decision.ACCEPTED,
        rationale="Kokeillaan keväällä pääkirjastossa.",
        decided_by=change_agent(author.unit_id).person_id,
        scope=Scope.UNIT,
        unit_id=author.unit_id,
    )


def screening_started(idea: str, unit_id: str, n: int) -> ScreeningStarted:
    return ScreeningStarted(
        case_id=f"c-bench-{uuid.uuid4().hex[:8]}-{n}",
        idea_id=idea,
        scope=Scope.UNIT,
        unit_id=unit_id,
        reviewer_ids=[change_agent(unit_id).person_id],
    )


def encoded(events: Iterable[Event]) -> list[OutgoingMessage]:
    return [encode(event, source=SOURCE) for event in events]


async def publish_window(
    js: JetStreamContext, messages: Sequence[OutgoingMessage], window: int = WINDOW
) -> None:
    """Publish ``messages`` with at most ``window`` acknowledgements awaited at once (raw
    nats-py; also the outbox relay's baseline): ``window`` publishers take the next message in
    turn. (Not a task a message: a million of them held a GB, and when one publish failed,
    cancelling the rest waiting on one semaphore took longer than the run.)"""
    queue = iter(messages)

    async def publisher() -> None:
        for message in queue:
            await js.publish(
                message.subject, message.body, headers=message.headers, timeout=PUBLISH_TIMEOUT
            )

    await asyncio.gather(*(publisher() for _ in range(min(window, len(messages)))))
