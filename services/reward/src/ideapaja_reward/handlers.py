"""Event subscribers: each lifecycle outcome fires its incentive rule for every author."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC

from ideapaja_contracts.events.idea import IdeaSubmitted, IdeaUpdated
from ideapaja_contracts.events.privacy import ErasureRequested
from ideapaja_contracts.events.progress import ImplementationCompleted
from ideapaja_contracts.events.review import Decision, ReviewDecided
from ideapaja_reward import ledger, privacy
from ideapaja_reward.db.models import RewardIdea
from ideapaja_reward.domain import IncentiveRules, Outcome
from ideapaja_runtime.messaging import HandlerContext, RetryLater, Subscription


class RewardHandlers:
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
            # GDPR: nothing personal to blank here (see privacy.py); acknowledged and recorded.
            Subscription("privacy-erasures", {ErasureRequested: privacy.on_erasure_requested}),
        ]

    async def on_idea_submitted(self, event: IdeaSubmitted, ctx: HandlerContext) -> None:
        idea = await ledger.record_submission(ctx.session, event, ctx.envelope.time)
        await ledger.credit(ctx, idea, self.rules.awards(Outcome.SUBMITTED, idea.author_ids))

    async def on_idea_updated(self, event: IdeaUpdated, ctx: HandlerContext) -> None:
        """A co-author who confirmed after submission earns what the idea has earned so far
        (and later rules through the stored authors). Authors are never removed from the
        projection: points already credited stay credited."""
        if event.author_ids is None:
            return
        idea = await self._known_idea(ctx, event.idea_id, "IdeaUpdated")
        newcomers = [p for p in dict.fromkeys(event.author_ids) if p not in idea.author_ids]
        if not newcomers:
            return
        idea.author_ids = [*idea.author_ids, *newcomers]
        reached = [Outcome.SUBMITTED]
        if idea.accepted_at is not None:
            reached.append(Outcome.ACCEPTED)
        if idea.implemented_at is not None:
            reached.append(Outcome.IMPLEMENTED)
        for outcome in reached:
            await ledger.credit(ctx, idea, self.rules.awards(outcome, newcomers))

    async def on_review_decided(self, event: ReviewDecided, ctx: HandlerContext) -> None:
        if event.decision is not Decision.ACCEPTED:
            return
        idea = await self._known_idea(ctx, event.idea_id, "ReviewDecided")
        if idea.accepted_at is None:
            idea.accepted_at = ctx.envelope.time.astimezone(UTC)
        await ledger.credit(ctx, idea, self.rules.awards(Outcome.ACCEPTED, idea.author_ids))

    async def on_implementation_completed(
        self, event: ImplementationCompleted, ctx: HandlerContext
    ) -> None:
        idea = await self._known_idea(ctx, event.idea_id, "ImplementationCompleted")
        if idea.implemented_at is None:
            idea.implemented_at = ctx.envelope.time.astimezone(UTC)
        await ledger.credit(ctx, idea, self.rules.awards(Outcome.IMPLEMENTED, idea.author_ids))

    @staticmethod
    async def _known_idea(ctx: HandlerContext, idea_id: str, what: str) -> RewardIdea:
        idea = await ledger.find_idea(ctx.session, idea_id)
        if idea is None:
            # The authors come from IdeaSubmitted, on another consumer; it will arrive.
            raise RetryLater(f"{what} for idea {idea_id} before its IdeaSubmitted")
        return idea
