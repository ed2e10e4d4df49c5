"""The projections this service keeps: contacts (from HR), ideas and their supporters (from
intake), so a notice can name the idea and reach its authors and supporters in their language.

Each runs in the consumer's unit of work, which also records the event in the inbox.
"""

from __future__ import annotations

from sqlalchemy import bindparam, delete, func, update

from ideapaja_contracts.events.hr import PersonLeft, PersonUpserted
from ideapaja_contracts.events.idea import (
    IdeaRetentionExpired,
    IdeaSubmitted,
    IdeaSupported,
    IdeaUpdated,
)
from ideapaja_notification.db.models import (
    AwardChain,
    Contact,
    Idea,
    InfoQuestion,
    Supporter,
    SupporterNews,
)
from ideapaja_notification.domain.kinds import language_or_default
from ideapaja_notification.usecases import supporter_notices
from ideapaja_notification.usecases.notices import receipts_for_co_authors
from ideapaja_notification.usecases.privacy import is_erased_before
from ideapaja_runtime.db import insert_unless_present
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
    contact.unit_id = event.unit_id
    contact.roles = [role.value for role in event.roles]
    # HR sends a person again when they return to the city's service (also after an erasure).
    contact.left_on = None
    contact.erased_at = None
    contact.updated_at = ctx.now


async def on_person_left(event: PersonLeft, ctx: HandlerContext) -> None:
    contact = await ctx.session.get(Contact, event.person_id)
    if contact is None:
        # Left before we ever heard of them: there is nobody to stop writing to.
        log.info("person_left_unknown", person_id=event.person_id)
        return
    contact.left_on = event.left_on or "unknown"
    contact.updated_at = ctx.now


# --- Ideas (from intake) ------------------------------------------------------------------------


async def on_idea_submitted(event: IdeaSubmitted, ctx: HandlerContext) -> None:
    """Keep the idea: one prebuilt ``INSERT … ON CONFLICT DO NOTHING``, where looking it up and
    adding an ORM object took a SELECT and a flush (this consumer is the one a projection
    rebuild replays a million events through)."""
    inserted = await insert_unless_present(
        ctx.session,
        IDEAS,
        {
            "idea_id": event.idea_id,
            "title": event.title,
            "author_ids": list(event.author_ids),
            "language": language_or_default(event.language),
            "anonymous": event.anonymous,
            "unit_id": event.unit_id,
            "revision": 1,
            "updated_at": ctx.now,
        },
    )
    if not inserted:
        # Stored before anonymity and the unit were kept: a replay tells them.
        await ctx.session.execute(
            _FILL_IN_WHAT_WAS_NOT_KEPT,
            {"id": event.idea_id, "anonymous": event.anonymous, "unit": event.unit_id},
        )


IDEAS = Idea.__table__
_FILL_IN_WHAT_WAS_NOT_KEPT = (
    update(Idea)
    .where(Idea.idea_id == bindparam("id"))
    .values(
        anonymous=func.coalesce(Idea.anonymous, bindparam("anonymous")),
        unit_id=func.coalesce(Idea.unit_id, bindparam("unit")),
    )
    .execution_options(synchronize_session=False)
)


async def on_idea_updated(event: IdeaUpdated, ctx: HandlerContext) -> None:
    """Keep the title and the authors current: a decision names the idea as its authors last
    wrote it, and reaches a co-author who confirmed after the submission. Each co-author new to
    the projection gets the receipt the authors got at submission (``idea_received``).

    Here, not on a consumer of its own: only this consumer knows who was an author before this
    revision. Confirmed authors are never removed, so the authors only grow; of revisions
    arriving out of order the newest is applied and the older skipped, so each co-author is
    new exactly once."""
    idea = await ctx.session.get(Idea, event.idea_id)
    if idea is None:
        raise RetryLater(f"idea {event.idea_id} not submitted yet")
    if event.revision > idea.revision:
        idea.title = event.title
        idea.revision = event.revision
        if event.author_ids is not None and idea.author_ids:
            known = set(idea.author_ids)
            joined = [pid for pid in event.author_ids if pid not in known]
            idea.author_ids = list(event.author_ids)
            if joined:
                await receipts_for_co_authors(ctx, event.idea_id, event.title, joined)
        idea.updated_at = ctx.now


async def on_idea_supported(event: IdeaSupported, ctx: HandlerContext) -> None:
    """Remember who supports the idea now (a withdrawal forgets them), so they hear its
    decision. Intake announces supports moved onto a surviving idea the same way. A support
    recorded after news it should have heard (the decisions' consumer ran ahead) is told it
    now (``supporter_notices``)."""
    known = await ctx.session.get(Supporter, (event.idea_id, event.supporter_id))
    if event.withdrawn:
        if known is not None:
            await ctx.session.delete(known)
    elif known is None:
        ctx.session.add(
            Supporter(
                idea_id=event.idea_id, person_id=event.supporter_id, supported_at=ctx.envelope.time
            )
        )
        await supporter_notices.tell_late_supporter(
            ctx, event.idea_id, event.supporter_id, ctx.envelope.time
        )


async def on_idea_retention_expired(event: IdeaRetentionExpired, ctx: HandlerContext) -> None:
    """Intake removed the personal data of a long-closed idea: forget who wrote it. The row
    stays (title only), so a late decision is not waited for: it mails nobody."""
    idea = await ctx.session.get(Idea, event.idea_id)
    if idea is not None and idea.author_ids:
        log.info("idea_authors_removed", idea_id=event.idea_id, authors=len(idea.author_ids))
        idea.author_ids = []
        idea.updated_at = ctx.now
    # Intake removed who supported it too.
    await ctx.session.execute(
        delete(Supporter)
        .where(Supporter.idea_id == event.idea_id)
        .execution_options(synchronize_session=False)
    )
    # Awards on it name its authors as recipients: a chain still waiting goes too; and so does
    # a question never answered (nobody will answer a forgotten idea's).
    for kept in (AwardChain, InfoQuestion, SupporterNews):
        await ctx.session.execute(
            delete(kept)
            .where(kept.idea_id == event.idea_id)
            .execution_options(synchronize_session=False)
        )
