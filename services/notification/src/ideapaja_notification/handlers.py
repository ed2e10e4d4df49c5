"""The subscriptions table: which event runs which use case (``usecases``), nothing else."""

from __future__ import annotations

from collections.abc import Sequence

from ideapaja_contracts import Event
from ideapaja_contracts.events.hr import PersonLeft, PersonUpserted
from ideapaja_contracts.events.idea import IdeaRetentionExpired, IdeaSubmitted, IdeaUpdated
from ideapaja_contracts.events.privacy import ErasureRequested
from ideapaja_contracts.events.review import ReviewDecided
from ideapaja_contracts.events.reward import RewardGranted
from ideapaja_notification.sender import sender_for
from ideapaja_notification.settings import NotificationSettings
from ideapaja_notification.usecases import notices, privacy, projections
from ideapaja_runtime.messaging import Handler, HandlerContext, Subscription
from ideapaja_runtime.service import Runtime

on_person_upserted = projections.on_person_upserted
on_person_left = projections.on_person_left
on_idea_submitted = projections.on_idea_submitted
on_idea_updated = projections.on_idea_updated
on_idea_retention_expired = projections.on_idea_retention_expired
on_review_decided = notices.on_review_decided
on_reward_granted = notices.on_reward_granted
on_erasure_requested = privacy.on_erasure_requested


def _then_wake_sender(handler: Handler, runtime: Runtime[NotificationSettings]) -> Handler:
    """Run ``handler``; once its transaction commits, wake the sender for the new deliveries
    (it would also find them on its next poll)."""
    sender = sender_for(runtime)

    async def handle(event: Event, ctx: HandlerContext) -> None:
        await handler(event, ctx)
        ctx.after_commit(sender.wake)

    return handle


def subscriptions(runtime: Runtime[NotificationSettings]) -> Sequence[Subscription]:
    return [
        Subscription(
            "hr-people",
            {PersonUpserted: on_person_upserted, PersonLeft: on_person_left},
            stream="hr",
        ),
        Subscription("ideas", {IdeaSubmitted: on_idea_submitted}),
        Subscription("idea-updates", {IdeaUpdated: on_idea_updated}),
        # Retention: a long-closed idea's authors are forgotten (intake's retention.py).
        Subscription("idea-retention", {IdeaRetentionExpired: on_idea_retention_expired}),
        Subscription(
            "decisions",
            {ReviewDecided: _then_wake_sender(on_review_decided, runtime)},
            # A first deployment on a stream with history must not mail about old decisions.
            new_events_only=True,
        ),
        Subscription(
            "rewards",
            {RewardGranted: _then_wake_sender(on_reward_granted, runtime)},
            new_events_only=True,
        ),
        # GDPR: blank the person's contact and messages, stop their mail.
        Subscription("privacy-erasures", {ErasureRequested: on_erasure_requested}),
    ]
