"""Notices: each decision or reward becomes a queued delivery per person to tell.

Each runs in the consumer's unit of work, which also records the event in the inbox, so a queued
delivery exists exactly when the event counts as handled. Sending happens afterwards (sender.py).
"""

from __future__ import annotations

from sqlalchemy import select

from ideapaja_contracts.events.review import ReviewDecided
from ideapaja_contracts.events.reward import RewardGranted
from ideapaja_notification.db.models import Contact, Idea
from ideapaja_notification.domain.notices import (
    Recipient,
    UnknownRecipients,
    decision_notices,
    reachable,
    reward_notice,
)
from ideapaja_notification.usecases.deliveries import tell
from ideapaja_runtime.logging import get_logger
from ideapaja_runtime.messaging import HandlerContext, RetryLater

log = get_logger(__name__)


# --- Notices ------------------------------------------------------------------------------------


async def on_review_decided(event: ReviewDecided, ctx: HandlerContext) -> None:
    """Tell every author of the idea about the decision, each in their own language."""
    idea = await ctx.session.get(Idea, event.idea_id)
    if idea is None:
        raise RetryLater(f"idea {event.idea_id} not known yet (IdeaSubmitted not seen)")
    author_ids = [str(pid) for pid in idea.author_ids]
    try:
        recipients = reachable(author_ids, await _recipients(ctx, author_ids))
    except UnknownRecipients as exc:
        raise RetryLater(str(exc)) from exc
    notices = decision_notices(
        decision=event.decision,
        rationale=event.rationale,
        idea_title=idea.title,
        recipients=recipients,
        idea_id=event.idea_id,
    )
    for notice in notices:
        await tell(ctx, ctx.envelope, notice, idea_id=event.idea_id)


async def on_reward_granted(event: RewardGranted, ctx: HandlerContext) -> None:
    """Tell the person about their reward; the idea's title is mentioned when we know it."""
    try:
        recipients = reachable([event.person_id], await _recipients(ctx, [event.person_id]))
    except UnknownRecipients as exc:
        raise RetryLater(str(exc)) from exc
    if not recipients:
        log.info("reward_recipient_left", person_id=event.person_id)
        return
    idea = await ctx.session.get(Idea, event.idea_id)
    notice = reward_notice(
        recipient=recipients[0],
        kind=event.kind,
        points=event.points,
        amount=event.amount,
        currency=event.currency,
        reason=event.reason,
        reason_code=event.reason_code,
        idea_title=idea.title if idea is not None else None,
        idea_id=event.idea_id,
    )
    await tell(ctx, ctx.envelope, notice, idea_id=event.idea_id)


async def _recipients(ctx: HandlerContext, person_ids: list[str]) -> dict[str, Recipient]:
    contacts = await ctx.session.scalars(select(Contact).where(Contact.person_id.in_(person_ids)))
    return {
        c.person_id: Recipient(
            person_id=c.person_id,
            display_name=c.display_name,
            email=c.email,
            language=c.language,
            # Nobody writes to people who left, nor to people whose data was erased.
            left=c.left_on is not None or c.erased_at is not None,
        )
        for c in contacts
    }
