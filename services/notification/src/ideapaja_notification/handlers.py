"""The subscriptions table: which event runs which use case (``usecases``), nothing else."""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence

from ideapaja_contracts import Event
from ideapaja_contracts.events.hr import PersonLeft, PersonUpserted
from ideapaja_contracts.events.idea import (
    IdeaCommented,
    IdeaRetentionExpired,
    IdeaSubmitted,
    IdeaSupported,
    IdeaUpdated,
)
from ideapaja_contracts.events.privacy import ErasureRequested
from ideapaja_contracts.events.progress import (
    ExperimentCompleted,
    ExperimentStarted,
    ImplementationCompleted,
    PracticeAdopted,
    PracticePublished,
)
from ideapaja_contracts.events.review import (
    CaseDeadlineNear,
    CaseEscalated,
    InfoProvided,
    InfoRequested,
    MeetingScheduled,
    MinutesPublished,
    ReviewDecided,
    ReviewStarted,
    ScoringOpened,
    ScreeningStarted,
)
from ideapaja_contracts.events.reward import (
    AwardApproved,
    AwardProposed,
    AwardRejected,
    PeriodicAwardDecided,
    RewardGranted,
)
from ideapaja_notification.domain.webhooks import OFFERED_EVENTS
from ideapaja_notification.sender import sender_for
from ideapaja_notification.settings import NotificationSettings
from ideapaja_notification.usecases import (
    committee_notices,
    notices,
    privacy,
    projections,
    supporter_notices,
    work_notices,
)
from ideapaja_notification.usecases.webhook_deliveries import on_event as on_webhook_event
from ideapaja_notification.usecases.webhook_deliveries import wanted_event_types
from ideapaja_notification.webhook_sender import webhook_sender_for
from ideapaja_runtime.messaging import Handler, HandlerContext, Subscription
from ideapaja_runtime.service import Runtime

on_person_upserted = projections.on_person_upserted
on_person_left = projections.on_person_left
on_idea_submitted = projections.on_idea_submitted
on_idea_updated = projections.on_idea_updated
on_idea_supported = projections.on_idea_supported
on_idea_retention_expired = projections.on_idea_retention_expired
on_idea_received = notices.on_idea_received
on_screening_started_for_authors = notices.on_screening_started_for_authors
on_review_decided = notices.on_review_decided
on_review_decided_for_supporters = supporter_notices.on_review_decided_for_supporters
on_implementation_completed_for_supporters = (
    supporter_notices.on_implementation_completed_for_supporters
)
on_meeting_scheduled = committee_notices.on_meeting_scheduled
on_scoring_opened = committee_notices.on_scoring_opened
on_minutes_published = committee_notices.on_minutes_published
on_reward_granted = notices.on_reward_granted
on_erasure_requested = privacy.on_erasure_requested
on_info_requested = notices.on_info_requested
on_idea_commented = notices.on_idea_commented
on_experiment_started = notices.on_experiment_started
on_experiment_completed = notices.on_experiment_completed
on_implementation_completed = notices.on_implementation_completed
on_practice_published = notices.on_practice_published
on_practice_adopted = notices.on_practice_adopted
on_periodic_award_decided = notices.on_periodic_award_decided
on_screening_started = work_notices.on_screening_started
on_review_started = work_notices.on_review_started
on_case_escalated = work_notices.on_case_escalated
on_case_deadline_near = work_notices.on_case_deadline_near
on_info_provided = work_notices.on_info_provided
on_award_proposed = work_notices.on_award_proposed
on_award_approved = work_notices.on_award_approved
on_award_rejected = work_notices.on_award_rejected


def _then_wake_sender(handler: Handler, runtime: Runtime[NotificationSettings]) -> Handler:
    """Run ``handler``; once its transaction commits, wake the sender for the new deliveries
    (it would also find them on its next poll). ``handler`` stays at ``__wrapped__`` (the
    tests run it where no sender runs)."""
    sender = sender_for(runtime)

    @functools.wraps(handler)
    async def handle(event: Event, ctx: HandlerContext) -> None:
        await handler(event, ctx)
        ctx.after_commit(sender.wake)

    return handle


def _notices(
    name: str,
    handlers: Mapping[type[Event], Handler],
    runtime: Runtime[NotificationSettings],
    *,
    subject: str = "",
) -> Subscription:
    """A consumer that tells people: it wakes the sender after each event, and a first
    deployment on a stream with history starts at its end (no mail about old events)."""
    return Subscription(
        name,
        {event: _then_wake_sender(handler, runtime) for event, handler in handlers.items()},
        subject=subject,
        new_events_only=True,
    )


def _webhooks(runtime: Runtime[NotificationSettings]) -> Subscription:
    """Every lifecycle event, queued for the webhook endpoints that want it, on a consumer and a
    sender of its own (a slow endpoint never holds up a notice); from the stream's end on a
    first deployment, like the notices."""

    async def handle(event: Event, ctx: HandlerContext) -> None:
        if await on_webhook_event(event, ctx):
            ctx.after_commit(webhook_sender_for(runtime).wake)

    return Subscription(
        "webhooks",
        dict.fromkeys(OFFERED_EVENTS, handle),
        subject="ideapaja.>",
        new_events_only=True,
        # Only the types some endpoint wants reach the handler (and its transaction).
        interest=lambda: wanted_event_types(runtime.db),
    )


def subscriptions(runtime: Runtime[NotificationSettings]) -> Sequence[Subscription]:
    return [
        Subscription(
            "hr-people",
            {PersonUpserted: on_person_upserted, PersonLeft: on_person_left},
            stream="hr",
        ),
        Subscription("ideas", {IdeaSubmitted: on_idea_submitted}),
        # The projection, from the stream's start; a co-author confirmed later gets their receipt
        # here (only this consumer knows who is new), so it wakes the sender.
        Subscription("idea-updates", {IdeaUpdated: _then_wake_sender(on_idea_updated, runtime)}),
        Subscription("idea-supports", {IdeaSupported: on_idea_supported}),
        # Retention: a long-closed idea's authors are forgotten (intake's retention.py).
        Subscription("idea-retention", {IdeaRetentionExpired: on_idea_retention_expired}),
        # A receipt to the authors, apart from the projection (which reads the whole history).
        _notices("idea-receipts", {IdeaSubmitted: on_idea_received}, runtime),
        _notices("decisions", {ReviewDecided: on_review_decided}, runtime),
        _notices("rewards", {RewardGranted: on_reward_granted}, runtime),
        # Supporters on consumers of their own: one HR has not described yet holds back only
        # the supporters' notices, never the authors'.
        _notices("supporter-decisions", {ReviewDecided: on_review_decided_for_supporters}, runtime),
        _notices(
            "supporter-implementations",
            {ImplementationCompleted: on_implementation_completed_for_supporters},
            runtime,
        ),
        # Review's events in the order it published them: a question to the authors (and who
        # asked it, for their answer), a case on reviewers' work lists, a deadline near, an
        # escalation (types without a handler are skipped).
        _notices(
            "review-notices",
            {
                InfoRequested: on_info_requested,
                InfoProvided: on_info_provided,
                ScreeningStarted: on_screening_started,
                ReviewStarted: on_review_started,
                CaseEscalated: on_case_escalated,
                CaseDeadlineNear: on_case_deadline_near,
            },
            runtime,
            subject="ideapaja.review.>",
        ),
        # A committee's meetings, in the order review called and closed them.
        _notices(
            "committee-notices",
            {
                MeetingScheduled: on_meeting_scheduled,
                ScoringOpened: on_scoring_opened,
                MinutesPublished: on_minutes_published,
            },
            runtime,
            subject="ideapaja.committee.>",
        ),
        _notices("comments", {IdeaCommented: on_idea_commented}, runtime),
        _notices(
            "experiments",
            {
                ExperimentStarted: on_experiment_started,
                ExperimentCompleted: on_experiment_completed,
            },
            runtime,
            subject="ideapaja.experiment.>",
        ),
        # The authors hear their idea's screening began; its reviewers hear of the case above.
        _notices(
            "screening-authors", {ScreeningStarted: on_screening_started_for_authors}, runtime
        ),
        _notices(
            "implementations", {ImplementationCompleted: on_implementation_completed}, runtime
        ),
        _notices(
            "practices",
            {PracticePublished: on_practice_published, PracticeAdopted: on_practice_adopted},
            runtime,
            subject="ideapaja.practice.>",
        ),
        # A proposal and its approvals in order, so an approval finds the proposal's chain.
        _notices(
            "award-notices",
            {
                AwardProposed: on_award_proposed,
                AwardApproved: on_award_approved,
                AwardRejected: on_award_rejected,
                PeriodicAwardDecided: on_periodic_award_decided,
            },
            runtime,
            subject="ideapaja.reward.>",
        ),
        # GDPR: blank the person's contact and messages, stop their mail.
        Subscription("privacy-erasures", {ErasureRequested: on_erasure_requested}),
        _webhooks(runtime),
    ]
