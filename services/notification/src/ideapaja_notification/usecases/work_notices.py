"""Notices to the people who work on an idea: a case on a reviewer's work list, a deadline
near, an overdue case escalated to them, the authors' answer to their question, a reward
proposal waiting for an approver's step. None of them names the idea's authors (an anonymous
idea's stay hidden); each links to where the work is done."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from ideapaja_contracts.events.review import (
    CaseDeadlineNear,
    CaseEscalated,
    InfoProvided,
    ReviewStarted,
    ScreeningStarted,
)
from ideapaja_contracts.events.reward import (
    AwardApproved,
    AwardProposed,
    AwardRejected,
    RewardKind,
)
from ideapaja_notification.db.models import AwardChain, InfoQuestion
from ideapaja_notification.domain.kinds import TemplateId
from ideapaja_notification.domain.notices import DASH, excerpt, notices_of
from ideapaja_notification.domain.values import FieldValue, Label, LabelKind, Reward
from ideapaja_notification.usecases.notices import tell_all
from ideapaja_notification.usecases.recipients import idea_of, people, role_holders
from ideapaja_runtime.logging import get_logger
from ideapaja_runtime.messaging import HandlerContext

log = get_logger(__name__)


def case_link(case_id: str) -> str:
    return f"/work/cases/{case_id}"


async def _tell_reviewers(
    ctx: HandlerContext,
    event: ScreeningStarted | ReviewStarted | CaseEscalated | CaseDeadlineNear,
    template: TemplateId,
    reviewer_ids: Sequence[str],
    **fields: FieldValue,
) -> None:
    idea = await idea_of(ctx, event.idea_id)
    notices = notices_of(
        template,
        await people(ctx, reviewer_ids),
        case_link(event.case_id),
        title=idea.title,
        **fields,
    )
    await tell_all(ctx, notices, idea_id=idea.idea_id)


async def on_screening_started(event: ScreeningStarted, ctx: HandlerContext) -> None:
    """A new case on each screening reviewer's work list."""
    await _tell_reviewers(ctx, event, TemplateId.CASE_TO_SCREEN, event.reviewer_ids)


async def on_review_started(event: ReviewStarted, ctx: HandlerContext) -> None:
    """The idea passed screening: its reviewers evaluate it (by its deadline, if it has one)."""
    await _tell_reviewers(
        ctx, event, TemplateId.CASE_TO_REVIEW, event.reviewer_ids, due=event.due_at
    )


async def on_case_escalated(event: CaseEscalated, ctx: HandlerContext) -> None:
    """An overdue step, to the reviewers it was escalated to and those already on it."""
    await _tell_reviewers(
        ctx,
        event,
        TemplateId.CASE_ESCALATED,
        [*event.added_reviewer_ids, *event.reviewer_ids],
        step=Label(LabelKind.CASE_STEP, event.step),
        due=event.due_at,
        next_due=event.next_due_at,
    )


async def on_case_deadline_near(event: CaseDeadlineNear, ctx: HandlerContext) -> None:
    """A step due soon, to the reviewers on it now (review reminds once per deadline)."""
    await _tell_reviewers(
        ctx,
        event,
        TemplateId.CASE_DEADLINE_NEAR,
        event.reviewer_ids,
        step=Label(LabelKind.CASE_STEP, event.step),
        due=event.due_at,
    )


async def on_info_provided(event: InfoProvided, ctx: HandlerContext) -> None:
    """The authors' answer, to the reviewer who asked (never naming the authors: the event names
    them only by pseudonym, and the message not at all). The question is then closed."""
    question = await ctx.session.get(InfoQuestion, event.case_id)
    if question is None:
        # Asked before this service kept questions (or already answered): nobody to tell.
        log.info("info_question_unknown", case_id=event.case_id)
        return
    idea = await idea_of(ctx, event.idea_id)
    notices = notices_of(
        TemplateId.INFO_PROVIDED,
        await people(ctx, [question.asked_by]),
        case_link(event.case_id),
        title=idea.title,
        answer=excerpt(event.answer) or DASH,
    )
    await tell_all(ctx, notices, idea_id=idea.idea_id)
    await ctx.session.delete(question)


# --- Reward approvals ---------------------------------------------------------------------------


async def on_award_proposed(event: AwardProposed, ctx: HandlerContext) -> None:
    """Remember the award's chain and tell the holders of its first step's role."""
    chain = await ctx.session.get(AwardChain, event.award_id)
    if chain is None:
        chain = AwardChain(
            award_id=event.award_id,
            idea_id=event.idea_id,
            approval_roles=list(event.approval_roles or []),
            kind=event.kind.value,
            amount_cents=int(event.amount * 100),
            currency=event.currency,
            justification=event.justification[:500],
            proposed_by=event.proposed_by,
            recipient_ids=list(event.recipient_ids),
            approved_by=[],
            created_at=ctx.now,
        )
        ctx.session.add(chain)
    await _tell_step(ctx, chain, step=1)


async def on_award_approved(event: AwardApproved, ctx: HandlerContext) -> None:
    """A step was approved and another follows: tell the holders of the next step's role.
    The last step decides the award: its chain is no longer needed."""
    chain = await ctx.session.get(AwardChain, event.award_id)
    if chain is None:
        # Proposed before this service kept chains (its notice consumer starts at the end),
        # or already decided.
        log.info("award_chain_unknown", award_id=event.award_id)
        return
    if event.final:
        await ctx.session.delete(chain)
        return
    if event.step is None:
        return
    if event.approved_by not in chain.approved_by:
        chain.approved_by = [*chain.approved_by, event.approved_by]
    await _tell_step(ctx, chain, step=event.step + 1)


async def on_award_rejected(event: AwardRejected, ctx: HandlerContext) -> None:
    """A rejected award waits for nobody: its chain goes."""
    chain = await ctx.session.get(AwardChain, event.award_id)
    if chain is not None:
        await ctx.session.delete(chain)


async def _tell_step(ctx: HandlerContext, chain: AwardChain, *, step: int) -> None:
    roles = [str(role) for role in chain.approval_roles]
    if not 1 <= step <= len(roles):
        return
    idea = await idea_of(ctx, chain.idea_id)
    # Nobody approves their own proposal or reward, nor approves twice.
    leaving_out = {chain.proposed_by, *map(str, chain.recipient_ids), *map(str, chain.approved_by)}
    holders = await role_holders(
        ctx, roles[step - 1], unit_id=idea.unit_id, leaving_out=leaving_out
    )
    notices = notices_of(
        TemplateId.AWARD_AWAITING_APPROVAL,
        holders,
        f"/awards/{chain.award_id}",
        title=idea.title,
        reward=Reward(
            RewardKind(chain.kind),
            amount=Decimal(chain.amount_cents) / 100,
            currency=chain.currency,
        ),
        justification=excerpt(chain.justification) or DASH,
        step=str(step),
        steps=str(len(roles)),
    )
    await tell_all(ctx, notices, idea_id=idea.idea_id)
