"""Notices to an idea's supporters: how it was decided, that it is in use.

Supports (intake's IdeaSupported) and the news (review's decision, progress's implementation)
reach this service on separate consumers, each catching up at its own pace: after a restart the
decisions' consumer may handle a decision before the supports' consumer has recorded a support
made days earlier. So each piece of news is kept (``SupporterNews``), and a support recorded
later is told the news that came after it was made, with the same cause event as the supporters
told at the time, so the deliveries' unique key keeps it to one message however the two
consumers interleave. A support made after the news is not told it (they knew), whichever
consumer comes first. The two take a lock on the idea's id (``_hold``) before looking for each
other's rows: on PostgreSQL (READ COMMITTED) two overlapping transactions would otherwise each
miss the other's and tell nobody."""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import select, text

from ideapaja_contracts.envelope import Envelope
from ideapaja_contracts.events.progress import ImplementationCompleted
from ideapaja_contracts.events.review import Decision, ReviewDecided
from ideapaja_notification.db.models import SupporterNews
from ideapaja_notification.domain.kinds import TemplateId
from ideapaja_notification.domain.notices import (
    Recipient,
    excerpt,
    idea_link,
    notices_of,
    text_or_dash,
)
from ideapaja_notification.domain.values import FieldValue, Label, LabelKind
from ideapaja_notification.usecases.deliveries import tell
from ideapaja_notification.usecases.recipients import (
    KnownIdea,
    idea_of,
    known_idea,
    people,
    supporters_of,
)
from ideapaja_runtime.db import insert_unless_present
from ideapaja_runtime.logging import get_logger
from ideapaja_runtime.messaging import HandlerContext

log = get_logger(__name__)


async def on_review_decided_for_supporters(event: ReviewDecided, ctx: HandlerContext) -> None:
    """Tell the idea's supporters how it was decided (its authors are told as authors). Its
    own consumer: a supporter HR has not described yet delays only the supporters' notices."""
    if event.decision is Decision.NEEDS_INFO:
        return
    await _tell_supporters(
        ctx,
        event.idea_id,
        TemplateId.SUPPORTED_IDEA_DECIDED,
        decision=event.decision.value,
        rationale=event.rationale,
    )


async def on_implementation_completed_for_supporters(
    event: ImplementationCompleted, ctx: HandlerContext
) -> None:
    """The idea its supporters backed is in use (their own consumer, as decisions)."""
    await _tell_supporters(
        ctx,
        event.idea_id,
        TemplateId.SUPPORTED_IDEA_IMPLEMENTED,
        benefit=excerpt(event.realised_benefit) or None,
    )


async def _tell_supporters(
    ctx: HandlerContext, idea_id: str, template: TemplateId, **news_values: str | None
) -> None:
    """News of the idea, kept for supporters recorded later and told to those it has now."""
    idea = await idea_of(ctx, idea_id)
    await _hold(ctx, idea.idea_id)
    news = await _remember(ctx, template, idea, **news_values)
    await _tell(ctx, news, idea, await supporters_of(ctx, idea, before=news.occurred_at))


async def tell_late_supporter(
    ctx: HandlerContext, idea_id: str, person_id: str, supported_at: datetime
) -> None:
    """A support just recorded: tell its supporter the news that came after they supported
    (and that the news' own consumer, not knowing of them yet, could not tell)."""
    await _hold(ctx, idea_id)
    idea = await known_idea(ctx, idea_id)
    if idea is None or person_id in set(map(str, idea.author_ids)):
        return  # no news without the idea; authors hear as authors
    missed = (
        await ctx.session.scalars(
            select(SupporterNews)
            .where(SupporterNews.idea_id == idea_id, SupporterNews.occurred_at > supported_at)
            .order_by(SupporterNews.occurred_at, SupporterNews.template)
        )
    ).all()
    if not missed:
        return
    recipients = await people(ctx, [person_id])
    for news in missed:
        log.info(
            "supporter_told_late",
            idea_id=idea_id,
            template=news.template,
            cause_event_id=news.cause_event_id,
        )
        await _tell(ctx, news, idea, recipients)


async def _hold(ctx: HandlerContext, idea_id: str) -> None:
    """Lock the idea's id until commit (PostgreSQL; SQLite has one writer at a time anyway):
    news and a late support of one idea are handled one after the other, each seeing the
    other's rows once committed.

    A lock on the id, not on the idea's row: a support may be handled before the idea is known
    here (its row not there to lock) and commit after a decision that came once it was; the
    fault suite's F2 on PostgreSQL lost one supporter's notice of 500 so, with the row lock."""
    if ctx.session.get_bind().dialect.name == "postgresql":
        await ctx.session.execute(_HOLD, {"key": _lock_key(idea_id)})


# Transaction-scoped, released at commit or rollback.
_HOLD = text("SELECT pg_advisory_xact_lock(:key)")


def _lock_key(idea_id: str) -> int:
    """The idea id as an advisory lock's 64-bit key (a collision only serializes two ideas)."""
    digest = hashlib.blake2b(f"supporter-news:{idea_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


async def _remember(
    ctx: HandlerContext,
    template: TemplateId,
    idea: KnownIdea,
    *,
    decision: str | None = None,
    rationale: str | None = None,
    benefit: str | None = None,
) -> SupporterNews:
    cause = ctx.envelope
    news = SupporterNews(
        cause_event_id=cause.id,
        template=template.value,
        idea_id=idea.idea_id,
        cause_source=cause.source,
        cause_type=cause.type,
        cause_subject=cause.subject,
        cause_traceparent=cause.traceparent,
        occurred_at=cause.time,
        decision=decision,
        rationale=rationale,
        benefit=benefit,
    )
    # Kept unless this event kept it already (a redelivery: the same values, from the same
    # event); one statement, not a lookup and a flush. ``news`` itself stays out of the session.
    await insert_unless_present(
        ctx.session,
        SupporterNews.__table__,
        {column.key: getattr(news, column.key) for column in SupporterNews.__table__.columns},
    )
    return news


async def _tell(
    ctx: HandlerContext, news: SupporterNews, idea: KnownIdea, recipients: list[Recipient]
) -> None:
    cause = Envelope(
        id=news.cause_event_id,
        source=news.cause_source,
        type=news.cause_type,
        time=news.occurred_at,
        subject=news.cause_subject,
        traceparent=news.cause_traceparent,
    )
    values: dict[str, FieldValue]
    if news.template == TemplateId.SUPPORTED_IDEA_DECIDED.value:
        values = {
            "decision": Label(LabelKind.DECISION, news.decision or ""),
            "rationale": text_or_dash(news.rationale or ""),
        }
    else:
        values = {"benefit": news.benefit}
    notices = notices_of(
        TemplateId(news.template),
        recipients,
        idea_link(idea.idea_id),
        title=idea.title,
        **values,
    )
    for notice in notices:
        await tell(ctx, cause, notice, idea_id=idea.idea_id)
