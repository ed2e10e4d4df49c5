"""HR's organisation in the reward service: units for the hierarchy unit activity rolls up through
(and department budgets are kept by), and which unit each person belongs to when, for headcounts.
Runs in the consumer's unit of work; the HR event's time is when the change took effect."""

from __future__ import annotations

from ideapaja_contracts.events.hr import PersonLeft, PersonUpserted, UnitUpserted
from ideapaja_reward.db import org
from ideapaja_runtime.messaging import HandlerContext


async def on_unit_upserted(event: UnitUpserted, ctx: HandlerContext) -> None:
    await org.upsert_unit(ctx.session, event, ctx.envelope.time)


async def on_person_upserted(event: PersonUpserted, ctx: HandlerContext) -> None:
    await org.person_in_unit(ctx.session, event.person_id, event.unit_id, ctx.envelope.time)


async def on_person_left(event: PersonLeft, ctx: HandlerContext) -> None:
    await org.person_in_unit(ctx.session, event.person_id, None, ctx.envelope.time)
