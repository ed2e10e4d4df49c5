"""Screening and deciding a case, and what its authors do: answer, appeal, withdraw, edit.

Each use case runs in the caller's unit of work, so the state change, its history record and the
event announcing it commit together."""

from __future__ import annotations

from typing import NotRequired, TypedDict

from sqlalchemy.ext.asyncio import AsyncSession

from ideapaja_contracts.events.hr import UnitKind
from ideapaja_contracts.events.idea import IdeaUpdated, IdeaWithdrawn, Scope
from ideapaja_contracts.events.review import (
    CaseReopened,
    Decision,
    IdeaForwarded,
    IdeaMerged,
    InfoProvided,
    InfoRequested,
    ReviewDecided,
    ReviewStarted,
)
from ideapaja_review.db import cases, committee_roster, org
from ideapaja_review.db.models import CaseRow
from ideapaja_review.domain import access, lifecycle
from ideapaja_review.domain.lifecycle import Action
from ideapaja_review.domain.rules import RoutingRule
from ideapaja_review.errors import CaseNotFound, InvalidDecision, NotAllowed
from ideapaja_review.settings import ReviewWork
from ideapaja_review.usecases.case_records import (
    IDEA_UPDATED,
    IDEA_WITHDRAWN,
    MERGED_IN,
    CaseRecord,
    _without_none,
    append_history,
    author_actor,
    latest_case,
    lock_routing,
    note_by_person,
    record_of,
    require_worklist,
    reviewer_ids,
    rule_of,
    status_of,
)
from ideapaja_review.usecases.case_routing import _new_case, idea_content
from ideapaja_review.usecases.case_steps import effective_roles, load_for_update, transition
from ideapaja_search.analysis import stored_terms


class DecisionTaken(TypedDict):
    """A decision as a reviewer (or a committee's chair) gives it: what, why, and the target a
    duplicate or forwarded decision needs or the question a needs_info one asks."""

    decision: Decision
    rationale: str
    duplicate_of: NotRequired[str | None]
    forwarded_to_unit_id: NotRequired[str | None]
    question: NotRequired[str | None]


async def _decidable_case(
    uow: ReviewWork, case_id: str, decision: Decision | None = None, *, check: bool = True
) -> tuple[CaseRow, tuple[str, ...], RoutingRule]:
    """The case (locked), its reviewers and its routing rule; NotAllowed where the actor may not
    screen it (no ``decision``) or make ``decision`` (``check=False``: the caller has checked)."""
    if check:
        await require_worklist(uow)
    session = uow.session
    case = await load_for_update(session, case_id)
    reviewers = await reviewer_ids(session, case_id)
    rule = await rule_of(uow, case)
    if check:
        actor = uow.person
        denied = access.decision_denied(
            actor.person_id,
            await effective_roles(session, actor),
            Scope(case.scope),
            reviewers,
            decision=decision,
            rule=rule,
        )
        if denied is not None:
            raise NotAllowed(denied.reason)
    return case, reviewers, rule


async def accept_for_review(uow: ReviewWork, case_id: str, note: str) -> CaseRecord:
    """Screening passed: the case goes into review (for committee ideas: onto its agenda)."""
    actor = uow.person
    session = uow.session
    case, reviewers, rule = await _decidable_case(uow, case_id)
    await transition(
        uow,
        case,
        Action.ACCEPT_FOR_REVIEW,
        actor_id=actor.person_id,
        rule=rule,
        reason=note or None,
    )
    if rule.goes_to_committee(Scope(case.scope)) and case.committee_id is None:
        committee = await committee_roster.committee_for(session, rule)
        case.committee_id = committee.committee_id if committee is not None else None
    await uow.publish(
        ReviewStarted(
            case_id=case.case_id,
            idea_id=case.idea_id,
            started_by=actor.person_id,
            scope=Scope(case.scope),
            unit_id=case.unit_id,
            reviewer_ids=list(reviewers),
            committee_id=case.committee_id,
            due_at=case.due_at if case.due_at else None,
            note=note,
        )
    )
    await session.flush()
    return await record_of(session, case)


async def decide(
    uow: ReviewWork,
    case_id: str,
    *,
    decision: Decision,
    rationale: str,
    duplicate_of: str | None = None,
    forwarded_to_unit_id: str | None = None,
    question: str | None = None,
    in_meeting: bool = False,
) -> CaseRecord:
    """Record a decision on a case in screening or review and emit ReviewDecided, plus
    InfoRequested (needs_info), IdeaMerged (duplicate) or IdeaForwarded and the receiving
    unit's new case (forwarded).

    ``in_meeting``: the committee decided it in a meeting, whose own rules (membership, quorum)
    the caller has checked. Raises CaseNotFound, NotAllowed (with the reason),
    IllegalTransition, InvalidDecision.
    """
    actor = uow.person
    session = uow.session
    case, _, rule = await _decidable_case(uow, case_id, decision, check=not in_meeting)
    # The state machine first: a decided case is a 409 whatever the body says.
    lifecycle.apply(status_of(case), Action.DECIDE, decision)
    target: CaseRow | None = None
    if duplicate_of is not None:
        target = await _merge_target(session, case, duplicate_of)
    if forwarded_to_unit_id is not None:
        if forwarded_to_unit_id == case.unit_id:
            raise InvalidDecision("forwarded_to_unit_id", "The idea is already in that unit.")
        if not await org.unit_exists(session, forwarded_to_unit_id):
            raise InvalidDecision("forwarded_to_unit_id", f"Unknown unit {forwarded_to_unit_id}.")
    details = _without_none(
        duplicate_of=duplicate_of,
        forwarded_to_unit_id=forwarded_to_unit_id,
        question=question if decision is Decision.NEEDS_INFO and question else None,
    )
    if in_meeting:
        details["in_meeting"] = True
    await transition(
        uow,
        case,
        Action.DECIDE,
        actor_id=actor.person_id,
        rule=rule,
        decision=decision,
        reason=rationale,
        details=details,
    )
    case.decided_at = uow.now
    case.decided_by = actor.person_id
    case.rationale = rationale
    case.duplicate_of = duplicate_of
    case.forwarded_to_unit_id = forwarded_to_unit_id
    await uow.publish(
        ReviewDecided(
            case_id=case.case_id,
            idea_id=case.idea_id,
            decision=decision,
            rationale=rationale,
            decided_by=actor.person_id,
            scope=Scope(case.scope),
            unit_id=case.unit_id,
            duplicate_of=duplicate_of,
            forwarded_to_unit_id=forwarded_to_unit_id,
        )
    )
    if decision is Decision.NEEDS_INFO:
        case.info_question = question or rationale
        await uow.publish(
            InfoRequested(
                case_id=case.case_id,
                idea_id=case.idea_id,
                requested_by=actor.person_id,
                question=case.info_question,
            )
        )
    if target is not None:
        await _merge(uow, case, target, rationale)
    if forwarded_to_unit_id is not None:
        await _forward(uow, case, forwarded_to_unit_id, rationale)
    await session.flush()
    return await record_of(session, case)


async def _merge_target(session: AsyncSession, case: CaseRow, duplicate_of: str) -> CaseRow:
    if duplicate_of == case.idea_id:
        raise InvalidDecision("duplicate_of", "An idea cannot be a duplicate of itself.")
    target = await latest_case(session, duplicate_of)
    if target is None:
        raise InvalidDecision("duplicate_of", f"No idea {duplicate_of} is known to review.")
    if status_of(target) == lifecycle.decided(Decision.DUPLICATE, appealed=target.appealed):
        raise InvalidDecision(
            "duplicate_of",
            f"Idea {duplicate_of} was itself merged into {target.duplicate_of}; merge into that.",
        )
    return target


async def _merge(uow: ReviewWork, case: CaseRow, target: CaseRow, reason: str) -> None:
    """The surviving idea's timeline records the merge too; intake moves supporters and
    comments on IdeaMerged. Both ideas keep their own history."""
    actor = uow.person
    note_by_person(
        uow,
        target,
        MERGED_IN,
        reason=reason,
        details={"idea_id": case.idea_id, "case_id": case.case_id},
    )
    await uow.publish(
        IdeaMerged(
            case_id=case.case_id,
            idea_id=case.idea_id,
            into_idea_id=target.idea_id,
            merged_by=actor.person_id,
        )
    )


async def _forward(uow: ReviewWork, case: CaseRow, unit_id: str, reason: str) -> None:
    """The receiving unit gets the idea as a new case (the next round), routed to its own
    reviewers; the forwarded case keeps its history and links to the new one's."""
    actor = uow.person
    session = uow.session
    await uow.publish(
        IdeaForwarded(
            case_id=case.case_id,
            idea_id=case.idea_id,
            from_unit_id=case.unit_id,
            to_unit_id=unit_id,
            forwarded_by=actor.person_id,
            reason=reason[:200],
        )
    )
    kind = await org.unit_kind(session, unit_id)
    scope = Scope.DEPARTMENT if kind is UnitKind.DEPARTMENT else Scope.UNIT
    await lock_routing(session)
    await _new_case(
        uow,
        idea_id=case.idea_id,
        content=idea_content(case),
        scope=scope,
        unit_id=unit_id,
        anonymous=case.anonymous,
        author_ref=case.author_ref,
        author_ids=list(case.author_ids),
        reason=reason,
        round_=case.round + 1,
        previous=case,
        actor_id=actor.person_id,
    )


async def answer(uow: ReviewWork, idea_id: str, person_id: str, text: str) -> CaseRecord:
    """An author answers the needs_info question: the case is back in screening."""
    session = uow.session
    case = await _authors_case(session, idea_id, person_id)
    rule = await rule_of(uow, case)
    await transition(
        uow,
        case,
        Action.RESUME_SCREENING,
        actor_id=author_actor(case, person_id),
        rule=rule,
        reason=text,
        details={"by_author": True, "question": case.info_question},
    )
    await uow.publish(
        InfoProvided(
            case_id=case.case_id, idea_id=case.idea_id, author_ref=case.author_ref, answer=text
        )
    )
    await session.flush()
    return await record_of(session, case)


async def appeal_by_author(
    uow: ReviewWork, idea_id: str, person_id: str, reason: str
) -> CaseRecord:
    session = uow.session
    case = await _authors_case(session, idea_id, person_id)
    return await _reopen(uow, case, author_actor(case, person_id), reason, by_author=True)


async def reopen(uow: ReviewWork, case_id: str, reason: str) -> CaseRecord:
    """A reviewer (or admin) reopens a decision; the same once-per-case budget as appeals."""
    await require_worklist(uow)
    actor = uow.person
    session = uow.session
    case = await load_for_update(session, case_id)
    reviewers = await reviewer_ids(session, case_id)
    rule = await rule_of(uow, case)
    roles = await effective_roles(session, actor)
    denied = access.reopen_denied(actor.person_id, roles, Scope(case.scope), reviewers, rule=rule)
    if denied is not None:
        raise NotAllowed(denied.reason)
    return await _reopen(uow, case, actor.person_id, reason, by_author=False)


async def _reopen(
    uow: ReviewWork, case: CaseRow, actor_id: str, reason: str, *, by_author: bool
) -> CaseRecord:
    session = uow.session
    previous = status_of(case).decision
    rule = await rule_of(uow, case)
    await transition(
        uow,
        case,
        Action.APPEAL,
        actor_id=actor_id,
        rule=rule,
        reason=reason,
        details={"by_author": by_author, "previous_decision": previous},
    )
    assert previous is not None  # APPEAL is only legal from a decision
    await uow.publish(
        CaseReopened(
            case_id=case.case_id,
            idea_id=case.idea_id,
            # The idea stream names authors by pseudonym only (the idea may be anonymous).
            reopened_by=case.author_ref if by_author else actor_id,
            by_author=by_author,
            previous_decision=previous,
            reason=reason,
        )
    )
    await session.flush()
    return await record_of(session, case)


async def _authors_case(session: AsyncSession, idea_id: str, person_id: str) -> CaseRow:
    case = await latest_case(session, idea_id)
    if case is None:
        raise CaseNotFound(idea_id)
    if not access.is_author(person_id, case.author_ids):
        raise NotAllowed("Only the idea's authors can do this.")
    return await load_for_update(session, case.case_id)


async def withdraw(uow: ReviewWork, event: IdeaWithdrawn) -> bool:
    """The authors withdrew the idea in intake: close its open case. A case already past
    review only notes it (an accepted idea's experiment or implementation goes on)."""
    session = uow.session
    case = await latest_case(session, event.idea_id)
    if case is None:
        return False
    case = await load_for_update(session, case.case_id)
    actor_id = author_actor(case, event.withdrawn_by)
    if lifecycle.is_allowed(status_of(case), Action.WITHDRAW):
        rule = await rule_of(uow, case)
        await transition(
            uow,
            case,
            Action.WITHDRAW,
            actor_id=actor_id,
            rule=rule,
            reason=event.reason or "withdrawn by the authors",
        )
    else:
        append_history(
            session,
            case,
            uow.now,
            actor_id=actor_id,
            action=IDEA_WITHDRAWN,
            from_state=case.state,
            reason=event.reason or "withdrawn by the authors",
        )
    await session.flush()
    return True


async def update_content(uow: ReviewWork, event: IdeaUpdated) -> bool:
    """The authors edited the idea: reviewers see the newest revision (older ones arriving
    late change nothing). False when the idea has no case yet.

    Read and written as rows with prebuilt statements (``db/cases.py``), as a case is opened:
    nothing else in the consumer's transaction needs the case as an ORM object."""
    session = uow.session
    case = await cases.latest_locked(session, event.idea_id)
    if case is None:
        return False
    if event.revision <= case.content_revision:
        return True
    content = {
        "title": event.title,
        "problem": event.problem,
        "solution": event.solution,
        "benefit": event.benefit,
    }
    search_terms, search_parts = stored_terms(*content.values(), language=case.language)
    await cases.change_case(
        session,
        case.case_id,
        content_revision=event.revision,
        search_terms=search_terms,
        search_parts=search_parts,
        **content,
    )
    history = cases.history_values(
        case.case_id,
        case.state,
        uow.now,
        # Named as author_actor names an author: by pseudonym when the idea is anonymous.
        actor_id=case.author_ref if case.anonymous else event.edited_by,
        action=IDEA_UPDATED,
        from_state=case.state,
        details={"revision": event.revision},
    )
    await cases.add_history(session, [history])
    return True
