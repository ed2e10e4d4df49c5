"""Builders and probes shared by the intake tests."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select

from ideapaja_contracts.events.hr import UnitKind, UnitUpserted
from ideapaja_intake.db.models import Base
from ideapaja_intake.settings import IntakeSettings
from ideapaja_intake.store import upsert_unit
from ideapaja_runtime.outbox import outbox_table
from ideapaja_runtime.service import Runtime
from ideapaja_runtime.testing import DevKeys, fast_test_settings

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
        pseudonym_secret="test-pseudonym-secret-0123456789",
    )
    values.update(overrides)
    return IntakeSettings(**values)  # type: ignore[arg-type]


async def seed_units(runtime: Runtime, *units: UnitUpserted) -> None:
    async with runtime.db.transaction() as session:
        for unit in units or DEMO_UNITS:
            await upsert_unit(session, unit, datetime.now(UTC))


async def outbox_rows(runtime: Runtime) -> list[dict[str, Any]]:
    async with runtime.db.transaction() as session:
        rows = await session.execute(select(outbox_table).order_by(outbox_table.c.seq))
        return [dict(row) for row in rows.mappings()]


async def count_rows(runtime: Runtime, model: type[Base]) -> int:
    async with runtime.db.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)
