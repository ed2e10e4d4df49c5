"""Builders and probes shared by the intake tests."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select

from ideapaja_contracts.events.hr import UnitKind, UnitUpserted
from ideapaja_intake.app import service
from ideapaja_intake.db.models import IntakeBase
from ideapaja_intake.db.org import upsert_unit
from ideapaja_intake.settings import IntakeSettings
from ideapaja_runtime.db import Database
from ideapaja_runtime.outbox import outbox_table
from ideapaja_runtime.service import Runtime
from ideapaja_runtime.testing import (
    DevKeys,
    RunningService,
    fast_test_settings,
    migrated_database,
    running_service,
)

# Builds the service's settings for a database URL (fixture ``settings_for``).
SettingsFor = Callable[..., IntakeSettings]

DEPARTMENT = UnitUpserted(
    unit_id="d-sivistys",
    kind=UnitKind.DEPARTMENT,
    name_fi="Sivistystoimiala",
    name_sv="Bildningssektorn",
    name_en="Education and Culture",
)
LIBRARY = UnitUpserted(
    unit_id="u-kirjasto",
    kind=UnitKind.UNIT,
    parent_id="d-sivistys",
    name_fi="Kirjasto",
    name_sv="Biblioteket",
    name_en="Library",
)
DEMO_UNITS = (DEPARTMENT, LIBRARY)

AUTHOR = "p-1001"
COLLEAGUE = "p-1002"
REVIEWER = "p-2001"
TEST_SECRET = "test-pseudonym-secret-0123456789"  # the pseudonym secret of intake_settings


def idea_payload(**changes: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "title": "Omatoimikirjasto iltaisin",
        "problem": "Asiakkaat eivät ehdi kirjastoon aukioloaikoina.",
        "solution": "Avataan omatoimikirjasto arki-iltoina kello 20-22.",
        "benefit": "Enemmän lainaajia ilman lisähenkilöstöä.",
        "scope": "unit",
        "unit_id": "u-kirjasto",
        "language": "fi",
        "anonymous": False,
    }
    payload.update(changes)
    return {k: v for k, v in payload.items() if v is not None}


def form_payload(**changes: Any) -> dict[str, str]:
    """The same idea as the intranet form posts it (checkbox 'on' when ticked, else absent)."""
    payload = idea_payload(**changes)
    anonymous = payload.pop("anonymous", False)
    form = {k: str(v) for k, v in payload.items()}
    if anonymous:
        form["anonymous"] = "on"
    return form


def intake_settings(
    nats_url: str, database_url: str, dev_keys: DevKeys, **overrides: Any
) -> IntakeSettings:
    values = fast_test_settings(
        nats_url=nats_url,
        database_url=database_url,
        auth_public_key=dev_keys.public_pem,
        pseudonym_secret=TEST_SECRET,
    )
    values.update(overrides)
    return IntakeSettings(**values)  # type: ignore[arg-type]


async def seed_units(runtime: Runtime, *units: UnitUpserted) -> None:
    now = datetime.now(UTC)
    async with runtime.db.transaction() as session:
        for unit in units or DEMO_UNITS:
            await upsert_unit(session, unit, now, recorded_at=now)


async def outbox_rows(runtime: Runtime) -> list[dict[str, Any]]:
    async with runtime.db.transaction() as session:
        rows = await session.execute(select(outbox_table).order_by(outbox_table.c.seq))
        return [dict(row) for row in rows.mappings()]


async def count_rows(runtime: Runtime, model: type[IntakeBase]) -> int:
    async with runtime.db.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def insert_idea(
    session: Any, idea_id: str, *, author_id: str = AUTHOR, anonymous: bool = False
) -> None:
    """An idea as a submission leaves it, written straight to the tables (handler tests)."""
    from ideapaja_intake.db.ideas import IdeaRecord, insert_ideas
    from ideapaja_intake.db.models import Idea, IdeaAuthor, IdeaStatusChange

    now = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    idea = Idea(
        id=idea_id,
        title="Omatoimikirjasto",
        problem="p",
        solution="s",
        benefit="",
        scope="unit",
        unit_id="u-kirjasto",
        language="fi",
        anonymous=anonymous,
        channel="api",
        author_ref="a-0000000000000000",
        revision=1,
        status="submitted",
        status_changed_at=now,
        created_at=now,
        submitted_at=now,
        rewarded=False,
    )
    author = IdeaAuthor(
        idea_id=idea_id,
        person_id=author_id,
        kind="submitter",
        author_ref="a-0000000000000000",
        added_at=now,
        confirmed_at=now,
    )
    submitted = IdeaStatusChange(
        idea_id=idea_id,
        event_id=f"sub-{idea_id}",
        status="submitted",
        occurred_at=now,
        recorded_at=now,
    )
    await session.run_sync(insert_ideas, [IdeaRecord(idea, [author], [submitted])])


@asynccontextmanager
async def database_with_idea(url: str, idea_id: str = "i-1") -> AsyncIterator[Database]:
    """Intake's migrated schema at ``url`` with the idea ``idea_id`` in it (handler tests)."""
    async with migrated_database(url, service.migrations) as db:
        async with db.transaction() as session:
            await insert_idea(session, idea_id)
        yield db


MUSEUM = UnitUpserted(
    unit_id="u-museo",
    kind=UnitKind.UNIT,
    parent_id="d-sivistys",
    name_fi="Museo",
    name_sv="Museet",
    name_en="Museum",
)
PEOPLE = {
    AUTHOR: "u-kirjasto",
    COLLEAGUE: "u-kirjasto",
    "p-1003": "u-museo",
    REVIEWER: "u-kirjasto",
}


async def seed_people(runtime: Runtime, people: dict[str, str] | None = None) -> None:
    """People as HR describes them (person id → unit), so co-authors can be invited."""
    from ideapaja_contracts.events.hr import PersonUpserted
    from ideapaja_intake.db.org import upsert_person

    async with runtime.db.transaction() as session:
        for person_id, unit_id in (people or PEOPLE).items():
            await upsert_person(
                session,
                PersonUpserted(
                    person_id=person_id,
                    unit_id=unit_id,
                    display_name=person_id,
                    email=f"{person_id}@kuusijarvi.example",
                ),
                datetime.now(UTC),
                recorded_at=datetime.now(UTC),
            )


async def outbox_events(runtime: Runtime, subject_part: str) -> list[dict[str, Any]]:
    """Bodies of the outbox events whose subject contains ``subject_part``."""
    import json

    return [
        json.loads(r["body"]) for r in await outbox_rows(runtime) if subject_part in r["subject"]
    ]


@asynccontextmanager
async def running_intake(
    settings: IntakeSettings, *units: UnitUpserted, people: bool = False
) -> AsyncIterator[RunningService]:
    """The service running on ``settings`` with ``units`` (the demo ones unless named) known,
    and with ``people``, the people of PEOPLE too."""
    async with running_service(service, settings) as running:
        await seed_units(running.runtime, *units)
        if people:
            await seed_people(running.runtime)
        yield running


def running_org(settings: IntakeSettings) -> AbstractAsyncContextManager[RunningService]:
    """The service running with the whole test organisation known: the demo units, the museum
    and PEOPLE."""
    return running_intake(settings, *DEMO_UNITS, MUSEUM, people=True)


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    """A problem+json answer with ``status``; its body."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    return body


async def post_idea(
    running: RunningService,
    dev_keys: DevKeys,
    person: str = AUTHOR,
    *,
    headers: dict[str, str] | None = None,
    **changes: Any,
) -> dict[str, Any]:
    """Submits ``idea_payload(**changes)`` as ``person`` (an employee): the idea created."""
    response = await running.client.post(
        "/ideas",
        json=idea_payload(**changes),
        headers={**dev_keys.headers(person, "employee"), **(headers or {})},
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


PNG_FILE = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40


def docx_bytes() -> bytes:
    """The smallest Word document the attachment checks take for one."""
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()
