"""The notification service: e-mail people about decisions on their ideas and their rewards."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ideapaja_contracts import Event
from ideapaja_contracts.events.hr import PersonLeft, PersonUpserted
from ideapaja_contracts.events.idea import IdeaRetentionExpired, IdeaSubmitted, IdeaUpdated
from ideapaja_contracts.events.privacy import ErasureRequested
from ideapaja_contracts.events.review import ReviewDecided
from ideapaja_contracts.events.reward import RewardGranted
from ideapaja_notification import handlers, privacy, privacy_api
from ideapaja_notification.api import router
from ideapaja_notification.sender import sender_for, start_sender, stop_sender
from ideapaja_notification.settings import NotificationSettings
from ideapaja_runtime.messaging import Handler, HandlerContext, Subscription
from ideapaja_runtime.service import Runtime, ServiceSpec


def _then_wake_sender(handler: Handler, runtime: Runtime) -> Handler:
    """Run ``handler``; once its transaction commits, wake the sender for the new deliveries
    (it would also find them on its next poll)."""
    sender = sender_for(runtime)

    async def handle(event: Event, ctx: HandlerContext) -> None:
        await handler(event, ctx)
        ctx.after_commit(sender.wake)

    return handle


def subscriptions(runtime: Runtime) -> Sequence[Subscription]:
    return [
        Subscription(
            "hr-people",
            {PersonUpserted: handlers.on_person_upserted, PersonLeft: handlers.on_person_left},
            stream="hr",
        ),
        Subscription("ideas", {IdeaSubmitted: handlers.on_idea_submitted}),
        Subscription("idea-updates", {IdeaUpdated: handlers.on_idea_updated}),
        # Retention: a long-closed idea's authors are forgotten (intake's retention.py).
        Subscription("idea-retention", {IdeaRetentionExpired: handlers.on_idea_retention_expired}),
        Subscription(
            "decisions",
            {ReviewDecided: _then_wake_sender(handlers.on_review_decided, runtime)},
            # A first deployment on a stream with history must not mail about old decisions.
            new_events_only=True,
        ),
        Subscription(
            "rewards",
            {RewardGranted: _then_wake_sender(handlers.on_reward_granted, runtime)},
            new_events_only=True,
        ),
        # GDPR: blank the person's contact and messages, stop their mail.
        Subscription("privacy-erasures", {ErasureRequested: privacy.on_erasure_requested}),
    ]


service = ServiceSpec(
    name="notification",
    title="Notification",
    default_port=8004,
    settings_class=NotificationSettings,
    routers=[router, privacy_api.router],
    subscriptions=subscriptions,
    migrations=Path(__file__).parent / "db" / "migrations",
    # The delivery sender runs beside the consumers; see sender.py for why it is not inline.
    on_start=start_sender,
    on_stop=stop_sender,
    tags=(
        {"name": "notifications", "description": "A person's own notifications"},
        {"name": "operations", "description": "Deliveries for operators"},
        {"name": "privacy", "description": "What is held on a person (GDPR)"},
    ),
)
