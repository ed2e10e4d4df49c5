"""Use cases on review cases: open and route, route again when HR data arrives, screen, decide,
answer, appeal, withdraw, read.

Handlers and routes call these inside their transaction and pass an ``Env`` whose ``publish``
is the outbox of that transaction, so every state change, its history record and the event
announcing it commit together. Every move goes through ``transition``, which asks the pure state
machine, stamps the step's deadline and appends the history record.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ideapaja_contracts.events.hr import UnitKind
from ideapaja_contracts.events.idea import IdeaSubmitted, IdeaUpdated, IdeaWithdrawn, Scope
from ideapaja_contracts.events.progress import ExperimentOutcome
from ideapaja_contracts.events.review import (
    CaseReopened,
    Decision,
    IdeaForwarded,
    IdeaMerged,
    InfoProvided,
    InfoRequested,
    ReviewDecided,
    ReviewStarted,
    ScreeningStarted,
)
from ideapaja_review import committee_roster, network, org, rules_store
from ideapaja_review.db.models import CaseHistoryRow, CaseReviewerRow, CaseRow, RoutingLockRow
from ideapaja_review.domain import access, deadlines, lifecycle
from ideapaja_review.domain.lifecycle import Action, CaseState, CaseStatus
from ideapaja_review.domain.routing import Routing, route
from ideapaja_review.domain.rules import RoutingRule
from ideapaja_review.errors import CaseNotFound, InvalidDecision, NotAllowed, NotFound
from ideapaja_review.settings import ReviewWork
from ideapaja_runtime.auth import Principal
from ideapaja_runtime.clock import as_utc

# History actions besides the state machine's own (which are recorded under their names).
OPENED = "opened"
ROUTED = "routed"
MERGED_IN = "merged_in"
IDEA_UPDATED = "idea_updated"
IDEA_WITHDRAWN = "idea_withdrawn"
ESCALATED = "escalated"


# Who acts: the principal the route admitted (its person id and roles).
Actor = Principal


@dataclass(frozen=True)
class CaseRecord:
    case: CaseRow
    reviewer_ids: tuple[str, ...]
    history: tuple[CaseHistoryRow, ...] = ()

    @property
    def status(self) -> CaseStatus:
        return status_of(self.case)


def status_of(case: CaseRow) -> CaseStatus:
    state = CaseState(case.state)
    decision = Decision(case.decision) if state is CaseState.DECIDED and case.decision else None
    outcome = (
        ExperimentOutcome(case.outcome) if state is CaseState.PILOTED and case.outcome else None
    )
    return CaseStatus(state, decision, outcome, appealed=bool(case.appealed))


def author_actor(case: CaseRow, person_id: str) -> str:
    """How an author acting on their own idea is named in its history: by person id, or by the
    pseudonym when the idea is anonymous (its reviewers read the history)."""
    return case.author_ref if case.anonymous else person_id


async def lock_routing(session: AsyncSession) -> None:
    """Serialise work that opens or routes cases (see RoutingLockRow). A no-op lock on SQLite,
    whose writers are serialised by BEGIN IMMEDIATE already."""
    await session.execute(
        select(RoutingLockRow.lock_id).where(RoutingLockRow.lock_id == 1).with_for_update()
    )


async def rule_of(uow: ReviewWork, case: CaseRow) -> RoutingRule:
    session = uow.session
    return await rules_store.rule_for_unit(session, case.unit_id, uow.settings.builtin_rule())


# --- Opening and routing ----------------------------------------------------------------------


async def open_case(uow: ReviewWork, idea: IdeaSubmitted) -> CaseRow | None:
    """Open the idea's case and route it; None when the idea already has one (idempotent)."""
    session = uow.session
    await lock_routing(session)
    if await session.scalar(select(CaseRow.case_id).where(CaseRow.idea_id == idea.idea_id)):
        return None
    return await _new_case(
        uow,
        idea_id=idea.idea_id,
        content={
            "title": idea.title,
            "problem": idea.problem,
            "solution": idea.solution,
            "benefit": idea.benefit,
            "language": idea.language,
        },
        scope=idea.scope,
        unit_id=idea.unit_id,
        anonymous=idea.anonymous,
        author_ref=idea.author_ref,
        author_ids=list(idea.author_ids),
        reason="idea submitted",
    )


async def _new_case(
    uow: ReviewWork,
    *,
    idea_id: str,
    content: dict[str, str],
    scope: Scope,
    unit_id: str,
    anonymous: bool,
    author_ref: str,
    author_ids: list[str],
    reason: str,
    round_: int = 1,
    previous: CaseRow | None = None,
    actor_id: str | None = None,
) -> CaseRow:
    session = uow.session
    now = uow.now
    rule = await rules_store.rule_for_unit(session, unit_id, uow.settings.builtin_rule())
    due = deadlines.due_at(CaseState.SCREENING, now, rule.deadlines)
    case = CaseRow(
        case_id=f"c-{uuid.uuid4().hex}",
        idea_id=idea_id,
        round=round_,
        previous_case_id=previous.case_id if previous is not None else None,
        scope=scope.value,
        unit_id=unit_id,
        anonymous=anonymous,
        author_ref=author_ref,
        author_ids=author_ids,
        state=CaseState.SCREENING.value,
        decision=None,
        routed=False,
        opened_at=now,
        screening_due_at=due or now,
        step_seq=1,
        step_entered_at=now,
        due_at=due,
        escalation_level=deadlines.starting_level(scope).value,
        appealed=False,
        content_revision=previous.content_revision if previous is not None else 1,
        **content,
    )
    session.add(case)
    await session.flush()
    append_history(
        session,
        case,
        now,
        actor_id=actor_id,
        action=OPENED,
        from_state=None,
        reason=reason,
        details={"previous_case_id": previous.case_id} if previous is not None else None,
    )
    units, people = await org.load_org(session)
    routing = await _route(session, case, rule, units, people)
    if routing.routed:
        await _assign(uow, case, routing)
    await session.flush()
    return case


async def _route(
    session: AsyncSession,
    case: CaseRow,
    rule: RoutingRule,
    units: Any,
    people: Any,
) -> Routing:
    scope = Scope(case.scope)
    members: list[str] | None = None
    if rule.goes_to_committee(scope):
        committee = await committee_roster.committee_for(session, rule)
        if committee is not None:
            case.committee_id = committee.committee_id
            members = await committee_roster.active_member_ids(session, committee.committee_id)
    return route(
        scope,
        case.unit_id,
        units,
        people,
        authors=case.author_ids,
        rule=rule,
        committee_member_ids=members,
    )


async def route_unrouted(uow: ReviewWork) -> int:
    """Route every case still in screening without reviewers; return how many got reviewers.

    Called after HR data, the change-agent network or a committee changes. Cases already
    routed keep their reviewers.
    """
    session = uow.session
    await lock_routing(session)
    waiting = (
        await session.scalars(
            select(CaseRow)
            .where(CaseRow.routed.is_(False), CaseRow.state == CaseState.SCREENING.value)
            .order_by(CaseRow.opened_at, CaseRow.case_id)
            # A decision racing this (an admin deciding an unrouted case) wins or waits; a case
            # decided meanwhile no longer matches and is skipped, never announced afterwards.
            .with_for_update()
        )
    ).all()
    if not waiting:
        return 0
    units, people = await org.load_org(session)
    count = 0
    for case in waiting:
        rule = await rule_of(uow, case)
        routing = await _route(session, case, rule, units, people)
        if routing.routed:
            await _assign(uow, case, routing)
            count += 1
    await session.flush()
    return count


async def _assign(uow: ReviewWork, case: CaseRow, routing: Routing) -> None:
    """Give the case its reviewers and announce that screening started, once per case."""
    session = uow.session
    for person_id in routing.reviewer_ids:
        session.add(
            CaseReviewerRow(
                case_id=case.case_id, person_id=person_id, source="routing", added_at=uow.now
            )
        )
    case.routed = True
    append_history(
        session,
        case,
        uow.now,
        actor_id=None,
        action=ROUTED,
        from_state=case.state,
        reason=f"routed via {routing.via}",
        details={"via": routing.via.value, "reviewer_ids": list(routing.reviewer_ids)},
    )
    await uow.publish(
        ScreeningStarted(
            case_id=case.case_id,
            idea_id=case.idea_id,
            scope=Scope(case.scope),
            unit_id=case.unit_id,
            reviewer_ids=list(routing.reviewer_ids),
        )
    )


async def add_reviewers(
    session: AsyncSession, case: CaseRow, person_ids: Sequence[str], *, source: str, now: datetime
) -> list[str]:
    """Add people to a case's reviewers (those already on it are skipped); return the added."""
    present = set(await reviewer_ids(session, case.case_id))
    added = [p for p in dict.fromkeys(person_ids) if p not in present]
    for person_id in added:
        session.add(
            CaseReviewerRow(case_id=case.case_id, person_id=person_id, source=source, added_at=now)
        )
    if added:
        case.routed = True
    await session.flush()
    return added


# --- Moving a case ----------------------------------------------------------------------------


async def transition(
    uow: ReviewWork,
    case: CaseRow,
    action: Action,
    *,
    actor_id: str | None,
    rule: RoutingRule,
    reason: str | None = None,
    decision: Decision | None = None,
    outcome: ExperimentOutcome | None = None,
    details: dict[str, Any] | None = None,
    experiment_ends_on: date | None = None,
) -> tuple[CaseStatus, CaseStatus]:
    """Apply ``action`` (IllegalTransition when it is not allowed now), enter the new step with
    its deadline, and append the history record. Returns the statuses before and after."""
    session = uow.session
    before = status_of(case)
    after = lifecycle.apply(before, action, decision, outcome=outcome)
    case.appealed = after.appealed
    case.outcome = after.outcome.value if after.outcome else None
    if after.state is CaseState.DECIDED:
        case.decision = after.decision.value if after.decision else None
    elif before.state in (CaseState.SCREENING, CaseState.IN_REVIEW, CaseState.DECIDED) and (
        after.state in (CaseState.SCREENING, CaseState.IN_REVIEW, CaseState.WITHDRAWN)
    ):
        # Back in review (answered, appealed) or withdrawn: no decision stands any more.
        case.decision = None
    if after.state is not before.state:
        _enter_step(case, after.state, uow.now, rule, experiment_ends_on=experiment_ends_on)
    append_history(
        session,
        case,
        uow.now,
        actor_id=actor_id,
        action=action.value,
        from_state=before.state.value,
        decision=decision.value if decision else None,
        reason=reason,
        details=details,
    )
    return before, after


def _enter_step(
    case: CaseRow,
    state: CaseState,
    now: datetime,
    rule: RoutingRule,
    *,
    experiment_ends_on: date | None = None,
) -> None:
    scope = Scope(case.scope)
    case.state = state.value
    case.step_seq = (case.step_seq or 0) + 1
    case.step_entered_at = now
    case.due_at = deadlines.due_at(
        state, now, rule.deadlines, experiment_ends_on=experiment_ends_on
    )
    case.escalation_level = deadlines.starting_level(scope).value
    if state is CaseState.SCREENING and case.due_at is not None:
        case.screening_due_at = case.due_at


async def load_for_update(session: AsyncSession, case_id: str) -> CaseRow:
    """The case, locked for the rest of the transaction: two concurrent actions cannot both
    pass the state check (PostgreSQL; SQLite's writers are serialised already)."""
    case = await session.scalar(select(CaseRow).where(CaseRow.case_id == case_id).with_for_update())
    if case is None:
        raise CaseNotFound(case_id)
    return case


async def effective_roles(session: AsyncSession, actor: Actor) -> frozenset[str]:
    """The token's roles plus those an admin assigned in review (an assigned change agent)."""
    return actor.roles | await network.assigned_roles(session, actor.person_id)


async def accept_for_review(uow: ReviewWork, case_id: str, actor: Actor, note: str) -> CaseRecord:
    """Screening passed: the case goes into review (for committee ideas: onto its agenda)."""
    session = uow.session
    case = await load_for_update(session, case_id)
    reviewers = await reviewer_ids(session, case_id)
    rule = await rule_of(uow, case)
    roles = await effective_roles(session, actor)
    denied = access.decision_denied(actor.person_id, roles, Scope(case.scope), reviewers, rule=rule)
    if denied is not None:
        raise NotAllowed(denied.reason)
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
            due_at=as_utc(case.due_at) if case.due_at else None,
            note=note,
        )
    )
    await session.flush()
    return await record_of(session, case)


async def decide(
    uow: ReviewWork,
    case_id: str,
    actor: Actor,
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
    session = uow.session
    case = await load_for_update(session, case_id)
    reviewers = await reviewer_ids(session, case_id)
    rule = await rule_of(uow, case)
    if not in_meeting:
        roles = await effective_roles(session, actor)
        denied = access.decision_denied(
            actor.person_id,
            roles,
            Scope(case.scope),
            reviewers,
            decision=decision,
            state=CaseState(case.state),
            rule=rule,
        )
        if denied is not None:
            raise NotAllowed(denied.reason)
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
        await _merge(uow, case, target, actor, rationale)
    if forwarded_to_unit_id is not None:
        await _forward(uow, case, forwarded_to_unit_id, actor, rationale)
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


async def _merge(
    uow: ReviewWork, case: CaseRow, target: CaseRow, actor: Actor, reason: str
) -> None:
    """The surviving idea's timeline records the merge too; intake moves supporters and
    comments on IdeaMerged. Both ideas keep their own history."""
    session = uow.session
    append_history(
        session,
        target,
        uow.now,
        actor_id=actor.person_id,
        action=MERGED_IN,
        from_state=target.state,
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


async def _forward(uow: ReviewWork, case: CaseRow, unit_id: str, actor: Actor, reason: str) -> None:
    """The receiving unit gets the idea as a new case (the next round), routed to its own
    reviewers; the forwarded case keeps its history and links to the new one's."""
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
        content={
            "title": case.title,
            "problem": case.problem,
            "solution": case.solution,
            "benefit": case.benefit,
            "language": case.language,
        },
        scope=scope,
        unit_id=unit_id,
        anonymous=case.anonymous,
        author_ref=case.author_ref,
        author_ids=list(case.author_ids),
        reason=f"forwarded from {case.unit_id}: {reason}",
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


async def reopen(uow: ReviewWork, case_id: str, actor: Actor, reason: str) -> CaseRecord:
    """A reviewer (or admin) reopens a decision; the same once-per-case budget as appeals."""
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
    late change nothing). False when the idea has no case yet."""
    session = uow.session
    case = await latest_case(session, event.idea_id)
    if case is None:
        return False
    case = await load_for_update(session, case.case_id)
    if event.revision <= case.content_revision:
        return True
    case.title = event.title
    case.problem = event.problem
    case.solution = event.solution
    case.benefit = event.benefit
    case.content_revision = event.revision
    append_history(
        session,
        case,
        uow.now,
        actor_id=author_actor(case, event.edited_by),
        action=IDEA_UPDATED,
        from_state=case.state,
        reason=f"revision {event.revision}",
    )
    await session.flush()
    return True


# --- Reading ----------------------------------------------------------------------------------


async def latest_case(session: AsyncSession, idea_id: str) -> CaseRow | None:
    """The idea's current case: the last round (a forwarded idea's receiving unit's case)."""
    result: CaseRow | None = await session.scalar(
        select(CaseRow).where(CaseRow.idea_id == idea_id).order_by(CaseRow.round.desc()).limit(1)
    )
    return result


async def record_of(session: AsyncSession, case: CaseRow) -> CaseRecord:
    return CaseRecord(
        case,
        await reviewer_ids(session, case.case_id),
        await history(session, case.case_id),
    )


async def get_case(
    session: AsyncSession, *, case_id: str | None = None, idea_id: str | None = None
) -> CaseRecord:
    """A case with its reviewers and full history, by case id or (the current case of) an idea."""
    if case_id is not None:
        case = await session.get(CaseRow, case_id)
    else:
        assert idea_id is not None
        case = await latest_case(session, idea_id)
    if case is None:
        raise CaseNotFound(str(case_id or idea_id))
    return await record_of(session, case)


async def visible_case(
    uow: ReviewWork, *, case_id: str | None = None, idea_id: str | None = None
) -> CaseRecord:
    """A case as its reader may see it: its reviewers, admins, and the members of the committee
    it went to."""
    session, person = uow.session, uow.person
    record = await get_case(session, case_id=case_id, idea_id=idea_id)
    if access.may_view(person.person_id, person.roles, record.reviewer_ids):
        return record
    committee_id = record.case.committee_id
    if committee_id is not None and person.person_id in await committee_roster.member_roles(
        session, committee_id
    ):
        return record
    raise NotAllowed("You are not a reviewer of this case.")


async def rounds_as_author_sees(uow: ReviewWork, idea_id: str) -> list[CaseRecord]:
    """Every round of an idea's review, for its authors and its current reviewers."""
    session, person = uow.session, uow.person
    rounds = await cases_of_idea(session, idea_id)
    if not rounds:
        raise NotFound(f"Review knows no idea {idea_id}.", what="Idea")
    current = rounds[-1]
    reviewers = await reviewer_ids(session, current.case_id)
    if not (
        access.is_author(person.person_id, current.author_ids)
        or access.may_view(person.person_id, person.roles, reviewers)
    ):
        raise NotAllowed("Only the idea's authors and reviewers see this.")
    return await rounds_of(session, idea_id)


async def rounds_of(session: AsyncSession, idea_id: str) -> list[CaseRecord]:
    """Every round of an idea's review, oldest first."""
    return [await record_of(session, case) for case in await cases_of_idea(session, idea_id)]


async def list_cases(
    session: AsyncSession,
    *,
    reviewer_id: str | None,
    state: CaseState | None,
    routed: bool | None,
    limit: int,
    offset: int,
    overdue: bool | None = None,
    now: datetime | None = None,
    escalated: bool | None = None,
) -> tuple[list[CaseRecord], int]:
    """Cases assigned to ``reviewer_id`` (every case when None), oldest first, and the total.

    ``overdue``: only cases whose current step is (or is not) due by ``now``. ``escalated``:
    only cases whose current step has (or has not) been escalated above its starting level.
    """
    query = select(CaseRow)
    if reviewer_id is not None:
        query = query.join(
            CaseReviewerRow,
            (CaseReviewerRow.case_id == CaseRow.case_id)
            & (CaseReviewerRow.person_id == reviewer_id),
        )
    if state is not None:
        query = query.where(CaseRow.state == state.value)
    if routed is not None:
        query = query.where(CaseRow.routed.is_(routed))
    if overdue is not None:
        assert now is not None, "overdue needs now"
        late = CaseRow.due_at.is_not(None) & (CaseRow.due_at <= now)
        query = query.where(late if overdue else ~late)
    if escalated is not None:
        # Its starting level depends on the scope (deadlines.starting_level).
        above_start = CaseRow.escalation_level > _start_level_expr()
        query = query.where(above_start if escalated else ~above_start)
    total = int(await session.scalar(select(func.count()).select_from(query.subquery())) or 0)
    rows = (
        await session.scalars(
            query.order_by(CaseRow.opened_at, CaseRow.case_id).limit(limit).offset(offset)
        )
    ).all()
    reviewers = await _reviewers_of(session, [row.case_id for row in rows])
    return [CaseRecord(row, reviewers.get(row.case_id, ())) for row in rows], total


def _start_level_expr() -> Any:
    from sqlalchemy import case as sql_case

    return sql_case(
        (CaseRow.scope == Scope.CITY.value, deadlines.Level.COMMITTEE.value),
        (CaseRow.scope == Scope.DEPARTMENT.value, deadlines.Level.DEPARTMENT.value),
        else_=deadlines.Level.UNIT.value,
    )


async def reviewer_ids(session: AsyncSession, case_id: str) -> tuple[str, ...]:
    return (await _reviewers_of(session, [case_id])).get(case_id, ())


async def _reviewers_of(
    session: AsyncSession, case_ids: Sequence[str]
) -> dict[str, tuple[str, ...]]:
    if not case_ids:
        return {}
    result = await session.execute(
        select(CaseReviewerRow.case_id, CaseReviewerRow.person_id)
        .where(CaseReviewerRow.case_id.in_(case_ids))
        .order_by(CaseReviewerRow.case_id, CaseReviewerRow.person_id)
    )
    found: dict[str, list[str]] = {}
    for case_id, person_id in result.all():
        found.setdefault(case_id, []).append(person_id)
    return {case_id: tuple(people) for case_id, people in found.items()}


async def history(session: AsyncSession, case_id: str) -> tuple[CaseHistoryRow, ...]:
    rows = await session.scalars(
        select(CaseHistoryRow).where(CaseHistoryRow.case_id == case_id).order_by(CaseHistoryRow.seq)
    )
    return tuple(rows.all())


async def cases_of_idea(session: AsyncSession, idea_id: str) -> list[CaseRow]:
    rows = await session.scalars(
        select(CaseRow).where(CaseRow.idea_id == idea_id).order_by(CaseRow.round)
    )
    return list(rows.all())


def append_history(
    session: AsyncSession,
    case: CaseRow,
    now: datetime,
    *,
    actor_id: str | None,
    action: str,
    from_state: str | None,
    decision: str | None = None,
    reason: str | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    session.add(
        CaseHistoryRow(
            case_id=case.case_id,
            occurred_at=now,
            actor_id=actor_id,
            action=action,
            from_state=from_state,
            to_state=case.state,
            decision=decision,
            reason=reason,
            details=details or None,
        )
    )


def _without_none(**values: str | None) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value is not None}
