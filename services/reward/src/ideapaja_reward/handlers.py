"""The subscriptions table: each lifecycle outcome fires its incentive rule (the work is in
``usecases.rewards``, with the rules in force from ``usecases.rulebook``)."""

from __future__ import annotations

from collections.abc import Sequence

from ideapaja_contracts.events.hr import PersonLeft, PersonUpserted, UnitUpserted
from ideapaja_contracts.events.idea import IdeaCommented, IdeaSubmitted, IdeaSupported, IdeaUpdated
from ideapaja_contracts.events.privacy import ErasureRequested
from ideapaja_contracts.events.progress import (
    ExperimentCompleted,
    ExperimentOutcome,
    ExperimentStarted,
    ImplementationCompleted,
    PracticeAdopted,
)
from ideapaja_contracts.events.review import Decision, ReviewDecided
from ideapaja_reward.domain import Outcome, RuleSet, VersionedRules
from ideapaja_reward.usecases import org_sync, privacy, rewards, rulebook
from ideapaja_runtime.messaging import HandlerContext, Subscription


class RewardHandlers:
    """The handlers; ``seed`` becomes the rules' version 1 if the database has none yet."""

    def __init__(self, seed: RuleSet) -> None:
        self.seed = seed

    def subscriptions(self) -> Sequence[Subscription]:
        # One durable consumer per subject: a backlog of decisions waiting for their ideas
        # (RetryLater) never holds up the submissions they are waiting for.
        return [
            Subscription("ideas", {IdeaSubmitted: self.on_idea_submitted}),
            Subscription("idea-updates", {IdeaUpdated: self.on_idea_updated}),
            Subscription("decisions", {ReviewDecided: self.on_review_decided}),
            Subscription("experiments-started", {ExperimentStarted: self.on_experiment_started}),
            Subscription(
                "experiments-completed", {ExperimentCompleted: self.on_experiment_completed}
            ),
            Subscription(
                "implementations", {ImplementationCompleted: self.on_implementation_completed}
            ),
            Subscription("practice-adoptions", {PracticeAdopted: self.on_practice_adopted}),
            Subscription("supports", {IdeaSupported: self.on_idea_supported}),
            Subscription("comments", {IdeaCommented: self.on_idea_commented}),
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

    async def rules(self, ctx: HandlerContext) -> VersionedRules:
        return await rulebook.in_force(ctx, self.seed)

    async def on_idea_submitted(self, event: IdeaSubmitted, ctx: HandlerContext) -> None:
        await rewards.idea_submitted(ctx, await self.rules(ctx), event, ctx.envelope)

    async def on_idea_updated(self, event: IdeaUpdated, ctx: HandlerContext) -> None:
        if event.author_ids is not None:
            await rewards.authors_confirmed(ctx, await self.rules(ctx), event, ctx.envelope)

    async def on_review_decided(self, event: ReviewDecided, ctx: HandlerContext) -> None:
        if event.decision is Decision.ACCEPTED:
            await self._reached(ctx, event.idea_id, Outcome.ACCEPTED)

    async def on_experiment_started(self, event: ExperimentStarted, ctx: HandlerContext) -> None:
        await self._reached(ctx, event.idea_id, Outcome.EXPERIMENT_STARTED)

    async def on_experiment_completed(
        self, event: ExperimentCompleted, ctx: HandlerContext
    ) -> None:
        if event.outcome is ExperimentOutcome.SCALE:
            await self._reached(ctx, event.idea_id, Outcome.EXPERIMENT_SCALED)

    async def on_implementation_completed(
        self, event: ImplementationCompleted, ctx: HandlerContext
    ) -> None:
        await self._reached(ctx, event.idea_id, Outcome.IMPLEMENTED)

    async def on_practice_adopted(self, event: PracticeAdopted, ctx: HandlerContext) -> None:
        await rewards.practice_adopted(ctx, await self.rules(ctx), event, ctx.envelope)

    async def on_idea_supported(self, event: IdeaSupported, ctx: HandlerContext) -> None:
        await rewards.idea_supported(ctx, await self.rules(ctx), event, ctx.envelope)

    async def on_idea_commented(self, event: IdeaCommented, ctx: HandlerContext) -> None:
        await rewards.idea_commented(ctx, await self.rules(ctx), event, ctx.envelope)

    async def _reached(self, ctx: HandlerContext, idea_id: str, outcome: Outcome) -> None:
        await rewards.outcome_reached(ctx, await self.rules(ctx), idea_id, outcome, ctx.envelope)
