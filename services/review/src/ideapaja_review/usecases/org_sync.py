"""HR's organisation in review: the projection of units and people, and routing again the cases
that were waiting for reviewers when someone who can review arrives. Runs in the consumer's unit
of work, so the routing uses the configured rule and the service's clock, as the admin routes'."""

from __future__ import annotations

from ideapaja_contracts.events.hr import PersonLeft, PersonUpserted, UnitUpserted
from ideapaja_review.db import org
from ideapaja_review.domain.routing import REVIEWING_ROLES
from ideapaja_review.settings import ReviewEventWork
from ideapaja_review.usecases import case_records, case_routing


async def unit_upserted(event: UnitUpserted, ctx: ReviewEventWork) -> None:
    await case_records.lock_routing(ctx.session)
    if await org.upsert_unit(ctx.session, event, ctx.envelope.time):
        await case_routing.route_unrouted(ctx)


async def person_upserted(event: PersonUpserted, ctx: ReviewEventWork) -> None:
    await case_records.lock_routing(ctx.session)
    applied = await org.upsert_person(ctx.session, event, ctx.envelope.time)
    if applied and not REVIEWING_ROLES.isdisjoint(role.value for role in event.roles):
        await case_routing.route_unrouted(ctx)


async def person_left(event: PersonLeft, ctx: ReviewEventWork) -> None:
    await case_records.lock_routing(ctx.session)
    await org.person_left(ctx.session, event, ctx.envelope.time)
