"""Event handlers: keep the HR and idea projections, and queue a delivery for each notice.

Each runs inside the transaction that also records the event in the inbox, so a queued delivery
exists exactly when the event counts as handled. Sending happens afterwards (sender.py).
"""

from __future__ import annotations

from sqlalchemy import select

from ideapaja_contracts.events.hr import PersonLeft, PersonUpserted
from ideapaja_contracts.events.idea import IdeaRetentionExpired, IdeaSubmitted, IdeaUpdated
from ideapaja_contracts.events.review import ReviewDecided
from ideapaja_contracts.events.reward import RewardGranted
from ideapaja_notification.db.models import Contact, Idea
from ideapaja_notification.deliveries import queue_delivery, utcnow
from ideapaja_notification.domain.notices import (
    Recipient,
    UnknownRecipients,
    decision_notices,
    reachable,
    reward_notice,
)
from ideapaja_notification.domain.templates import language_or_default
from ideapaja_notification.privacy import is_erased_before
from ideapaja_runtime.logging import get_logger
from ideapaja_runtime.messaging import HandlerContext, RetryLater

log = get_logger(__name__)


# --- Contacts (from HR) ---------------------------------------------------------------------------


async def on_person_upserted(event: PersonUpserted, ctx: HandlerContext) -> None:
    contact = await ctx.session.get(Contact, event.person_id)
    if contact is not None and is_erased_before(contact, ctx.envelope.time):
        log.info("person_upserted_before_erasure_ignored", person_id=event.person_id)
        return
    if contact is None:
        contact = Contact(person_id=event.person_id)
        ctx.session.add(contact)
    contact.display_name = event.display_name
    contact.email = str(event.email)
    contact.language = language_or_default(event.language)
    # HR sends a person again when they return to the city's service (also after an erasure).
    contact.left_on = None
    contact.erased_at = None
    contact.updated_at = utcnow()


async def on_person_left(event: PersonLeft, ctx: HandlerContext) -> None:
    contact = await ctx.session.get(Contact, event.person_id)
    if contact is None:
        # Left before we ever heard of them: there is nobody to stop writing to.
        log.info("person_left_unknown", person_id=event.person_id)
        return
    contact.left_on = event.left_on or "unknown"
    contact.updated_at = utcnow()


# --- Ideas (from intake) ------------------------------------------------------------------------


async def on_idea_submitted(event: IdeaSubmitted, ctx: HandlerContext) -> None:
    known = await ctx.session.get(Idea, event.idea_id)
    if known is not None:
        if known.anonymous is None:  # stored before anonymity was kept: a replay tells it
            known.anonymous = event.anonymous
        return
    ctx.session.add(
        Idea(
            idea_id=event.idea_id,
            title=event.title,
            author_ids=list(event.author_ids),
            language=language_or_default(event.language),
            anonymous=event.anonymous,
            revision=1,
            updated_at=utcnow(),
        )
    )


async def on_idea_updated(event: IdeaUpdated, ctx: HandlerContext) -> None:
    """Keep the title current, so a decision names the idea as its authors last wrote it."""
    idea = await ctx.session.get(Idea, event.idea_id)
    if idea is None:
        raise RetryLater(f"idea {event.idea_id} not submitted yet")
    if event.revision > idea.revision:
        idea.title = event.title
        idea.revision = event.revision
        idea.updated_at = utcnow()


async def on_idea_retention_expired(event: IdeaRetentionExpired, ctx: HandlerContext) -> None:
    """Intake removed the personal data of a long-closed idea: forget who wrote it. The row
    stays (title only), so a late decision is not waited for: it mails nobody."""
    idea = await ctx.session.get(Idea, event.idea_id)
    if idea is not None and idea.author_ids:
        log.info("idea_authors_removed", idea_id=event.idea_id, authors=len(idea.author_ids))
        idea.author_ids = []
        idea.updated_at = utcnow()


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
    )
    for notice in notices:
        await queue_delivery(ctx.session, ctx.envelope, notice, idea_id=event.idea_id)


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
        idea_title=idea.title if idea is not None else None,
    )
    await queue_delivery(ctx.session, ctx.envelope, notice, idea_id=event.idea_id)


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
