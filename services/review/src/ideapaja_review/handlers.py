"""Event subscribers: the HR org projection, and the ideas intake publishes.

Routing again on HR data: a case opened before its reviewers were known is routed as soon as a
UnitUpserted or a PersonUpserted for someone with a reviewing role arrives (not lazily on read),
so ScreeningStarted goes out without anyone having to open the work list.

Order between intake's events: an update or a withdrawal of an idea review has not seen yet
waits (RetryLater) for its IdeaSubmitted; a repeated or older update changes nothing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime

from ideapaja_contracts.events.hr import PersonLeft, PersonUpserted, UnitUpserted
from ideapaja_contracts.events.idea import IdeaSubmitted, IdeaUpdated, IdeaWithdrawn
from ideapaja_review import cases, org
from ideapaja_review.clock import Clock, clock_of
from ideapaja_review.domain.routing import REVIEWING_ROLES
from ideapaja_review.domain.rules import DEFAULT_RULE
from ideapaja_review.settings import ReviewSettings
from ideapaja_review.timeutil import utc_now
from ideapaja_runtime.messaging import HandlerContext, RetryLater, Subscription
from ideapaja_runtime.service import Runtime

Handler = Callable[..., Awaitable[None]]


def _env(ctx: HandlerContext, settings: ReviewSettings | None, clock: Clock) -> cases.Env:
    base = settings.builtin_rule() if settings is not None else DEFAULT_RULE
    return cases.Env(publish=ctx.publish, now=clock(), base_rule=base)


async def on_unit_upserted(event: UnitUpserted, ctx: HandlerContext) -> None:
    await cases.lock_routing(ctx.session)
    if await org.upsert_unit(ctx.session, event, ctx.envelope.time):
        await cases.route_unrouted(ctx.session, _env(ctx, None, utc_now))


async def on_person_upserted(event: PersonUpserted, ctx: HandlerContext) -> None:
    await cases.lock_routing(ctx.session)
    applied = await org.upsert_person(ctx.session, event, ctx.envelope.time)
    if applied and not REVIEWING_ROLES.isdisjoint(role.value for role in event.roles):
        await cases.route_unrouted(ctx.session, _env(ctx, None, utc_now))


async def on_person_left(event: PersonLeft, ctx: HandlerContext) -> None:
    await cases.lock_routing(ctx.session)
    await org.person_left(ctx.session, event, ctx.envelope.time)


def make_on_idea_submitted(
    settings: ReviewSettings, clock: Clock = utc_now
) -> Callable[[IdeaSubmitted, HandlerContext], Awaitable[None]]:
    async def on_idea_submitted(event: IdeaSubmitted, ctx: HandlerContext) -> None:
        await cases.open_case(ctx.session, event, _env(ctx, settings, clock))

    return on_idea_submitted


def make_on_idea_updated(
    settings: ReviewSettings, clock: Clock = utc_now
) -> Callable[[IdeaUpdated, HandlerContext], Awaitable[None]]:
    async def on_idea_updated(event: IdeaUpdated, ctx: HandlerContext) -> None:
        if not await cases.update_content(ctx.session, event, _env(ctx, settings, clock)):
            raise RetryLater(f"IdeaUpdated for idea {event.idea_id} before its IdeaSubmitted")

    return on_idea_updated


def make_on_idea_withdrawn(
    settings: ReviewSettings, clock: Clock = utc_now
) -> Callable[[IdeaWithdrawn, HandlerContext], Awaitable[None]]:
    async def on_idea_withdrawn(event: IdeaWithdrawn, ctx: HandlerContext) -> None:
        if not await cases.withdraw(ctx.session, event, _env(ctx, settings, clock)):
            raise RetryLater(f"IdeaWithdrawn for idea {event.idea_id} before its IdeaSubmitted")

    return on_idea_withdrawn


def subscriptions(runtime: Runtime) -> Sequence[Subscription]:
    settings = runtime.settings
    assert isinstance(settings, ReviewSettings)

    def clock() -> datetime:
        # Looked up on every event, so a test can replace the clock of a running service.
        return clock_of(runtime)()

    return [
        Subscription("hr-units", {UnitUpserted: on_unit_upserted}, stream="hr"),
        Subscription(
            "hr-people",
            {PersonUpserted: on_person_upserted, PersonLeft: on_person_left},
            stream="hr",
        ),
        Subscription("ideas-submitted", {IdeaSubmitted: make_on_idea_submitted(settings, clock)}),
        # Separate consumers: updates and withdrawals waiting for their submission (RetryLater)
        # never hold up the submissions they wait for.
        Subscription("ideas-updated", {IdeaUpdated: make_on_idea_updated(settings, clock)}),
        Subscription("ideas-withdrawn", {IdeaWithdrawn: make_on_idea_withdrawn(settings, clock)}),
    ]
