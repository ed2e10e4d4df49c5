"""Event subscribers: the HR org projection, and the ideas intake publishes.

Routing again on HR data (``usecases/org_sync.py``): a case opened before its reviewers were
known is routed as soon as a UnitUpserted or a PersonUpserted for someone with a reviewing role
arrives (not lazily on read), so ScreeningStarted goes out without anyone having to open the work
list. Every handler gets the consumer's unit of work (``ctx``): the service's clock and its
configured routing rule, the same as the routes'.

Order between intake's events: an update or a withdrawal of an idea review has not seen yet
waits (RetryLater) for its IdeaSubmitted; a repeated or older update changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ideapaja_contracts.events.hr import PersonLeft, PersonUpserted, UnitUpserted
from ideapaja_contracts.events.idea import (
    IdeaRetentionExpired,
    IdeaSubmitted,
    IdeaUpdated,
    IdeaWithdrawn,
)
from ideapaja_contracts.events.privacy import ErasureRequested
from ideapaja_review.settings import ReviewEventWork
from ideapaja_review.usecases import case_decisions, case_routing, erasures, org_sync
from ideapaja_runtime.messaging import RetryLater, Subscription

on_unit_upserted = org_sync.unit_upserted
on_person_upserted = org_sync.person_upserted
on_person_left = org_sync.person_left


async def on_idea_submitted(event: IdeaSubmitted, ctx: ReviewEventWork) -> None:
    await case_routing.open_case(ctx, event)


async def on_idea_updated(event: IdeaUpdated, ctx: ReviewEventWork) -> None:
    if not await case_decisions.update_content(ctx, event):
        raise RetryLater(f"IdeaUpdated for idea {event.idea_id} before its IdeaSubmitted")


async def on_idea_withdrawn(event: IdeaWithdrawn, ctx: ReviewEventWork) -> None:
    if not await case_decisions.withdraw(ctx, event):
        raise RetryLater(f"IdeaWithdrawn for idea {event.idea_id} before its IdeaSubmitted")


def subscriptions(_runtime: object) -> Sequence[Subscription]:
    return [
        Subscription("hr-units", {UnitUpserted: on_unit_upserted}, stream="hr"),
        Subscription(
            "hr-people",
            {PersonUpserted: on_person_upserted, PersonLeft: on_person_left},
            stream="hr",
        ),
        Subscription("ideas-submitted", {IdeaSubmitted: on_idea_submitted}),
        # Separate consumers: updates and withdrawals waiting for their submission (RetryLater)
        # never hold up the submissions they wait for.
        Subscription("ideas-updated", {IdeaUpdated: on_idea_updated}),
        Subscription("ideas-withdrawn", {IdeaWithdrawn: on_idea_withdrawn}),
        # GDPR: erasing a person, and the authors of ideas past their retention.
        Subscription("privacy-erasures", {ErasureRequested: erasures.on_erasure_requested}),
        Subscription("idea-retention", {IdeaRetentionExpired: erasures.on_idea_retention_expired}),
    ]


# Every event type review handles, and its handler: the tests deliver events straight to these.
# Read off the subscriptions above, so the two cannot disagree.
HANDLERS: dict[type[Any], Any] = {
    event_type: handler
    for subscription in subscriptions(None)
    for event_type, handler in subscription.handlers.items()
}
