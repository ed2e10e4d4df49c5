"""The city's units and people as HR describes them: kept to check what a submission names
(its unit, its team, its co-authors). The newest description wins; a late, older one changes
nothing."""

from __future__ import annotations

from ideapaja_contracts.events.hr import PersonLeft, PersonUpserted, UnitUpserted
from ideapaja_intake.db.org import upsert_person, upsert_unit
from ideapaja_runtime.messaging import HandlerContext


async def on_unit_upserted(event: UnitUpserted, ctx: HandlerContext) -> None:
    await upsert_unit(ctx.session, event, ctx.envelope.time, recorded_at=ctx.now)


async def on_person_changed(event: PersonUpserted | PersonLeft, ctx: HandlerContext) -> None:
    await upsert_person(ctx.session, event, ctx.envelope.time, recorded_at=ctx.now)
