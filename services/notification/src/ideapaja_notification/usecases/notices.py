"""Notices to an idea's authors: each decision, question, comment, step of progress or reward
becomes an inbox item and a queued e-mail per person to tell.

Each runs in the consumer's unit of work, which also records the event in the inbox, so a queued
delivery exists exactly when the event counts as handled. Sending happens afterwards (sender.py).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from ideapaja_contracts.events.idea import IdeaCommented, IdeaSubmitted
from ideapaja_contracts.events.progress import (
    ExperimentCompleted,
    ExperimentStarted,
    ImplementationCompleted,
    PracticeAdopted,
    PracticePublished,
)
from ideapaja_contracts.events.review import (
    Decision,
    InfoRequested,
    ReviewDecided,
    ScreeningStarted,
)
from ideapaja_contracts.events.reward import (
    PeriodicAwardDecided,
    PeriodicAwardKind,
    RewardGranted,
)
from ideapaja_notification.db.models import InfoQuestion
from ideapaja_notification.domain.kinds import TemplateId
from ideapaja_notification.domain.notices import (
    DASH,
    Draft,
    decision_notices,
    excerpt,
    idea_link,
    notices_of,
    reward_notice,
    text_or_dash,
)
from ideapaja_notification.domain.values import FieldValue, Label, LabelKind, Period, Points
from ideapaja_notification.usecases.deliveries import tell
from ideapaja_notification.usecases.recipients import (
    authors_of,
    idea_of,
    known_idea,
    people,
    unit_people,
)
from ideapaja_runtime.logging import get_logger
from ideapaja_runtime.messaging import HandlerContext

log = get_logger(__name__)


# --- Notices ------------------------------------------------------------------------------------


async def on_idea_received(event: IdeaSubmitted, ctx: HandlerContext) -> None:
    """A receipt to each confirmed author, told only to themselves (an anonymous idea's authors
    are named to nobody). From the event itself: the idea projection is another consumer's."""
    notices = notices_of(
        TemplateId.IDEA_RECEIVED,
        await people(ctx, event.author_ids),
        idea_link(event.idea_id),
        title=event.title,
    )
    await tell_all(ctx, notices, idea_id=event.idea_id)


async def receipts_for_co_authors(
    ctx: HandlerContext, idea_id: str, title: str, joined: Sequence[str]
) -> None:
    """The receipt to co-authors who confirmed after the submission, each told only
    themselves, saying they joined (``on_idea_updated`` finds who is new)."""
    notices = notices_of(
        TemplateId.IDEA_RECEIVED,
        await people(ctx, joined),
        idea_link(idea_id),
        title=title,
        joined="yes",
    )
    await tell_all(ctx, notices, idea_id=idea_id)


async def on_screening_started_for_authors(event: ScreeningStarted, ctx: HandlerContext) -> None:
    """The idea's authors hear that its screening began (its reviewers hear of the case as
    work, on a consumer of their own)."""
    await tell_authors(ctx, event.idea_id, TemplateId.IDEA_SCREENING_STARTED)


async def on_review_decided(event: ReviewDecided, ctx: HandlerContext) -> None:
    """Tell every author of the idea about the decision, each in their own language. A
    ``needs_info`` decision is told by its ``InfoRequested`` (with the question) instead."""
    if event.decision is Decision.NEEDS_INFO:
        return
    idea = await idea_of(ctx, event.idea_id)
    notices = decision_notices(
        decision=event.decision,
        rationale=event.rationale,
        idea_title=idea.title,
        recipients=await authors_of(ctx, idea),
        idea_id=event.idea_id,
    )
    await tell_all(ctx, notices, idea_id=event.idea_id)


# The awards whose winners are told by PeriodicAwardDecided (the award, the period and the
# points in one message): the RewardGranted that books each winner's recognition says nothing
# more, so it is no second message.
PERIODIC_AWARD_REASONS = frozenset(
    award.value for award in PeriodicAwardKind if award is not PeriodicAwardKind.UNIT_OF_THE_YEAR
)


async def on_reward_granted(event: RewardGranted, ctx: HandlerContext) -> None:
    """Tell the person about their reward; the idea's title is mentioned when we know it."""
    if event.reason_code in PERIODIC_AWARD_REASONS:
        log.info("reward_told_by_its_periodic_award", grant_id=event.grant_id)
        return
    recipients = await people(ctx, [event.person_id])
    if not recipients:
        log.info("reward_recipient_left", person_id=event.person_id)
        return
    idea = await known_idea(ctx, event.idea_id)
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


async def tell_authors(
    ctx: HandlerContext,
    idea_id: str,
    template: TemplateId,
    link: str | None = None,
    *,
    leaving_out: Collection[str] = (),
    **fields: FieldValue,
) -> None:
    """``template`` about the idea (its title, ``fields``) to each of its authors (not those
    in ``leaving_out``), linking to ``link`` (the idea's page if none)."""
    idea = await idea_of(ctx, idea_id)
    notices = notices_of(
        template,
        await authors_of(ctx, idea, leaving_out=leaving_out),
        link or idea_link(idea_id),
        title=idea.title,
        **fields,
    )
    await tell_all(ctx, notices, idea_id=idea_id)


async def on_info_requested(event: InfoRequested, ctx: HandlerContext) -> None:
    """The reviewers' question to the idea's authors (always sent: they cannot turn it off).
    Who asked is kept, for the answer (``work_notices.on_info_provided``)."""
    question = await ctx.session.get(InfoQuestion, event.case_id)
    if question is None:
        question = InfoQuestion(case_id=event.case_id, idea_id=event.idea_id)
        ctx.session.add(question)
    question.asked_by = event.requested_by
    question.asked_at = ctx.now
    question_text = text_or_dash(event.question)
    await tell_authors(ctx, event.idea_id, TemplateId.IDEA_NEEDS_INFO, rationale=question_text)


async def on_idea_commented(event: IdeaCommented, ctx: HandlerContext) -> None:
    """A comment on an idea, to its authors (not the commenter; a hidden comment to nobody)."""
    if event.hidden:
        return
    await tell_authors(
        ctx,
        event.idea_id,
        TemplateId.IDEA_COMMENTED,
        leaving_out={event.commenter_id},
        comment=excerpt(event.body),
    )


async def on_experiment_started(event: ExperimentStarted, ctx: HandlerContext) -> None:
    await tell_authors(
        ctx,
        event.idea_id,
        TemplateId.EXPERIMENT_STARTED,
        f"/experiments/{event.experiment_id}",
        starts=event.starts_on,
        ends=event.ends_on,
        measure=event.measure,
    )


async def on_experiment_completed(event: ExperimentCompleted, ctx: HandlerContext) -> None:
    """The pilot's outcome (scale up, adjust, stop) and its result, to the idea's authors."""
    await tell_authors(
        ctx,
        event.idea_id,
        TemplateId.EXPERIMENT_COMPLETED,
        f"/experiments/{event.experiment_id}",
        outcome=Label(LabelKind.EXPERIMENT_OUTCOME, event.outcome.value),
        result=excerpt(event.result) or DASH,
    )


async def on_implementation_completed(event: ImplementationCompleted, ctx: HandlerContext) -> None:
    benefit = excerpt(event.realised_benefit) or None
    await tell_authors(ctx, event.idea_id, TemplateId.IDEA_IMPLEMENTED, benefit=benefit)


async def on_practice_published(event: PracticePublished, ctx: HandlerContext) -> None:
    link = f"/practices/{event.practice_id}"
    await tell_authors(
        ctx, event.idea_id, TemplateId.PRACTICE_PUBLISHED, link, practice=event.title
    )


# Who in the idea's unit hears that its practice was adopted elsewhere: those who lead and
# develop the unit's work (its supervisors and change agents), not everyone HR places there.
UNIT_ADOPTION_ROLES = frozenset({"supervisor", "change_agent"})


async def on_practice_adopted(event: PracticeAdopted, ctx: HandlerContext) -> None:
    """To the idea's authors, and to the supervisors and change agents of the unit the idea
    came from (not its authors again, nor who reported the adoption; never naming the
    authors)."""
    link = f"/practices/{event.practice_id}"
    await tell_authors(ctx, event.idea_id, TemplateId.PRACTICE_ADOPTED, link)
    idea = await idea_of(ctx, event.idea_id)
    if idea.unit_id is None or idea.unit_id == event.adopting_unit_id:
        return
    leaving_out = {*map(str, idea.author_ids), event.reported_by}
    notices = notices_of(
        TemplateId.UNIT_PRACTICE_ADOPTED,
        await unit_people(ctx, idea.unit_id, UNIT_ADOPTION_ROLES, leaving_out=leaving_out),
        link,
        title=idea.title,
    )
    await tell_all(ctx, notices, idea_id=event.idea_id)


async def on_periodic_award_decided(event: PeriodicAwardDecided, ctx: HandlerContext) -> None:
    """The winners of an idea award: its authors, told only themselves (an anonymous idea's
    authors are rewarded, never named). A unit award has no one to write to here."""
    if event.idea_id is None or not event.recipient_ids:
        return
    known = await known_idea(ctx, event.idea_id)
    title = known.title if known is not None else (event.idea_title or DASH)
    notices = notices_of(
        TemplateId.PERIODIC_AWARD_WON,
        await people(ctx, event.recipient_ids),
        idea_link(event.idea_id),
        title=title,
        award=Label(LabelKind.PERIODIC_AWARD, event.award.value),
        period=Period(event.period),
        points=Points(event.points) if event.points else None,
    )
    await tell_all(ctx, notices, idea_id=event.idea_id)


async def tell_all(ctx: HandlerContext, notices: Sequence[Draft], *, idea_id: str | None) -> None:
    for notice in notices:
        await tell(ctx, ctx.envelope, notice, idea_id=idea_id)
