"""The subscriptions table: each lifecycle outcome fires its incentive rule for every author
(the work is in ``usecases.rewards``)."""

from __future__ import annotations

from collections.abc import Sequence

from ideapaja_contracts.events.hr import PersonLeft, PersonUpserted, UnitUpserted
from ideapaja_contracts.events.idea import IdeaSubmitted, IdeaUpdated
from ideapaja_contracts.events.privacy import ErasureRequested
from ideapaja_contracts.events.progress import ImplementationCompleted
from ideapaja_contracts.events.review import Decision, ReviewDecided
from ideapaja_reward.domain import IncentiveRules, Outcome
from ideapaja_reward.usecases import org_sync, privacy, rewards
from ideapaja_runtime.messaging import HandlerContext, Subscription


class RewardHandlers:
    """The handlers, with the incentive rules the service was configured with."""

    def __init__(self, rules: IncentiveRules) -> None:
        self.rules = rules

    def subscriptions(self) -> Sequence[Subscription]:
        # One durable consumer per subject: a backlog of decisions waiting for their ideas
        # (RetryLater) never holds up the submissions they are waiting for.
        return [
            Subscription("ideas", {IdeaSubmitted: self.on_idea_submitted}),
            Subscription("idea-updates", {IdeaUpdated: self.on_idea_updated}),
            Subscription("decisions", {ReviewDecided: self.on_review_decided}),
            Subscription(
                "implementations", {ImplementationCompleted: self.on_implementation_completed}
            ),
            # The organisation: the unit hierarchy and who was in which unit when (headcounts).
            Subscription("hr-units", {UnitUpserted: org_sync.on_unit_upserted}, stream="hr"),
            Subscription(
                "hr-people",
                {PersonUpserted: org_sync.on_person_upserted, PersonLeft: org_sync.on_person_left},
                stream="hr",
            ),
            # GDPR: nothing personal to blank here (see usecases/privacy.py); acknowledged.
            Subscription("privacy-erasures", {ErasureRequested: privacy.on_erasure_requested}),
        ]

    async def on_idea_submitted(self, event: IdeaSubmitted, ctx: HandlerContext) -> None:
        await rewards.idea_submitted(ctx, self.rules, event, ctx.envelope)

    async def on_idea_updated(self, event: IdeaUpdated, ctx: HandlerContext) -> None:
        await rewards.authors_confirmed(ctx, self.rules, event, ctx.envelope)

    async def on_review_decided(self, event: ReviewDecided, ctx: HandlerContext) -> None:
        if event.decision is Decision.ACCEPTED:
            await rewards.outcome_reached(
                ctx, self.rules, event.idea_id, Outcome.ACCEPTED, ctx.envelope
            )

    async def on_implementation_completed(
        self, event: ImplementationCompleted, ctx: HandlerContext
    ) -> None:
        await rewards.outcome_reached(
            ctx, self.rules, event.idea_id, Outcome.IMPLEMENTED, ctx.envelope
        )
