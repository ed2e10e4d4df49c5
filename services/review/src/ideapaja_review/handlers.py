"""Event subscribers: the HR org projection and opening a case for each submitted idea.

Routing again on HR data: a case opened before its reviewers were known is routed as soon as a
UnitUpserted or a PersonUpserted for someone with a reviewing role arrives (not lazily on read),
so ScreeningStarted goes out without anyone having to open the work list.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from ideapaja_contracts.events.hr import PersonLeft, PersonUpserted, UnitUpserted
from ideapaja_contracts.events.idea import IdeaSubmitted
from ideapaja_review import cases, org
from ideapaja_review.domain.routing import REVIEWING_ROLES
from ideapaja_review.settings import ReviewSettings
from ideapaja_review.timeutil import utc_now
from ideapaja_runtime.messaging import HandlerContext, Subscription
from ideapaja_runtime.service import Runtime


async def on_unit_upserted(event: UnitUpserted, ctx: HandlerContext) -> None:
    await cases.lock_routing(ctx.session)
    if await org.upsert_unit(ctx.session, event, ctx.envelope.time):
        await cases.route_unrouted(ctx.session, publish=ctx.publish, now=utc_now())


async def on_person_upserted(event: PersonUpserted, ctx: HandlerContext) -> None:
    await cases.lock_routing(ctx.session)
    applied = await org.upsert_person(ctx.session, event, ctx.envelope.time)
    if applied and not REVIEWING_ROLES.isdisjoint(role.value for role in event.roles):
        await cases.route_unrouted(ctx.session, publish=ctx.publish, now=utc_now())


async def on_person_left(event: PersonLeft, ctx: HandlerContext) -> None:
    await cases.lock_routing(ctx.session)
    await org.person_left(ctx.session, event, ctx.envelope.time)


def make_on_idea_submitted(
    settings: ReviewSettings,
) -> Callable[[IdeaSubmitted, HandlerContext], Awaitable[None]]:
    async def on_idea_submitted(event: IdeaSubmitted, ctx: HandlerContext) -> None:
        await cases.open_case(
            ctx.session,
            event,
            publish=ctx.publish,
            now=utc_now(),
            screening_days=settings.screening_days,
        )

    return on_idea_submitted


def subscriptions(runtime: Runtime) -> Sequence[Subscription]:
    settings = runtime.settings
    assert isinstance(settings, ReviewSettings)
    return [
        Subscription("hr-units", {UnitUpserted: on_unit_upserted}, stream="hr"),
        Subscription(
            "hr-people",
            {PersonUpserted: on_person_upserted, PersonLeft: on_person_left},
            stream="hr",
        ),
        Subscription("ideas-submitted", {IdeaSubmitted: make_on_idea_submitted(settings)}),
    ]
