"""Writing rewards: the idea projection, ledger entries, grants and the events announcing them.

Everything here runs in the caller's unit of work, so a ledger entry, its grant and their events
are committed together or not at all. ``cause`` is the event that earned the award (its id and
time are stored with every entry and grant).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC
from typing import Any

from sqlalchemy import select

from ideapaja_contracts import Envelope
from ideapaja_contracts.events.idea import IdeaSubmitted, IdeaUpdated
from ideapaja_contracts.events.reward import PointsAwarded, RewardKind
from ideapaja_reward.db.models import LedgerEntry, RewardGrant, RewardIdea
from ideapaja_reward.db.org import load_units
from ideapaja_reward.domain import (
    Award,
    IncentiveRules,
    Outcome,
    entry_id,
    grant_id,
)
from ideapaja_reward.domain.org import department_of
from ideapaja_reward.domain.rules import RULE_ORIGIN, reason_code_of_origin
from ideapaja_reward.usecases.payroll import announce_grant
from ideapaja_runtime.messaging import RetryLater
from ideapaja_runtime.uow import UnitOfWork


async def find_idea(uow: UnitOfWork[Any], idea_id: str) -> RewardIdea | None:
    return await uow.session.get(RewardIdea, idea_id)


async def known_idea(uow: UnitOfWork[Any], idea_id: str, what: str) -> RewardIdea:
    idea = await find_idea(uow, idea_id)
    if idea is None:
        # The authors come from IdeaSubmitted, on another consumer; it will arrive.
        raise RetryLater(f"{what} for idea {idea_id} before its IdeaSubmitted")
    return idea


async def idea_submitted(
    uow: UnitOfWork[Any], rules: IncentiveRules, event: IdeaSubmitted, cause: Envelope
) -> None:
    """Remember the idea (a repeated submission keeps what was first recorded) and reward its
    authors for submitting it."""
    idea = await find_idea(uow, event.idea_id)
    if idea is None:
        idea = RewardIdea(
            idea_id=event.idea_id,
            title=event.title,
            unit_id=event.unit_id,
            author_ids=list(event.author_ids),
            anonymous=event.anonymous,
            submitted_at=cause.time.astimezone(UTC),
        )
        uow.session.add(idea)
        await uow.session.flush()
    await credit(uow, idea, rules.awards(Outcome.SUBMITTED, idea.author_ids), cause)


async def authors_confirmed(
    uow: UnitOfWork[Any], rules: IncentiveRules, event: IdeaUpdated, cause: Envelope
) -> None:
    """A co-author who confirmed after submission earns what the idea has earned so far
    (and later rules through the stored authors). Authors are never removed from the
    projection: points already credited stay credited."""
    if event.author_ids is None:
        return
    idea = await known_idea(uow, event.idea_id, "IdeaUpdated")
    newcomers = [p for p in dict.fromkeys(event.author_ids) if p not in idea.author_ids]
    if not newcomers:
        return
    idea.author_ids = [*idea.author_ids, *newcomers]
    reached = [Outcome.SUBMITTED]
    reached += [o for o, (stamp, _) in _REACHED.items() if getattr(idea, stamp) is not None]
    for outcome in reached:
        await credit(uow, idea, rules.awards(outcome, newcomers), cause)


# The outcomes an idea reaches after its submission: the projection's column stamping when, and
# the event that tells it (named when that event overtakes the submission).
_REACHED: dict[Outcome, tuple[str, str]] = {
    Outcome.ACCEPTED: ("accepted_at", "ReviewDecided"),
    Outcome.IMPLEMENTED: ("implemented_at", "ImplementationCompleted"),
}


async def outcome_reached(
    uow: UnitOfWork[Any], rules: IncentiveRules, idea_id: str, outcome: Outcome, cause: Envelope
) -> None:
    """The idea was accepted or implemented: stamp when (the first time) and reward its authors."""
    stamp, told_by = _REACHED[outcome]
    idea = await known_idea(uow, idea_id, told_by)
    if getattr(idea, stamp) is None:
        setattr(idea, stamp, cause.time.astimezone(UTC))
    await credit(uow, idea, rules.awards(outcome, idea.author_ids), cause)


async def credit(
    uow: UnitOfWork[Any], idea: RewardIdea, awards: Sequence[Award], cause: Envelope
) -> list[str]:
    """Append a ledger entry and a grant per award not credited before, and announce both.

    Returns the ids of the new grants. An award already in the ledger (the same idea, person and
    rule, e.g. from a re-published event) is skipped; should two deliveries race past that check,
    the unique keys fail the later transaction, whose redelivery then skips.
    """
    session = uow.session
    occurred_at = cause.time.astimezone(UTC)
    granted: list[str] = []
    # The cost centre payroll books the grants under (points are not taxable).
    department_id = department_of(idea.unit_id, await load_units(session)) if awards else None
    for award in awards:
        rule = award.rule.value
        already = await session.scalar(
            select(LedgerEntry.entry_id).where(
                LedgerEntry.idea_id == idea.idea_id,
                LedgerEntry.person_id == award.person_id,
                LedgerEntry.rule == rule,
            )
        )
        if already is not None:
            continue
        entry = LedgerEntry(
            entry_id=entry_id(idea.idea_id, award.person_id, rule),
            idea_id=idea.idea_id,
            person_id=award.person_id,
            unit_id=idea.unit_id,
            rule=rule,
            points=award.points,
            reason=award.reason,
            cause_event_id=cause.id,
            occurred_at=occurred_at,
            created_at=uow.now,
        )
        grant = RewardGrant(
            grant_id=grant_id(idea.idea_id, award.person_id, rule),
            idea_id=idea.idea_id,
            person_id=award.person_id,
            origin=f"{RULE_ORIGIN}{rule}",
            kind=RewardKind.POINTS.value,
            amount_cents=0,
            currency=None,
            points=award.points,
            reason=award.reason,
            ledger_entry_id=entry.entry_id,
            cause_event_id=cause.id,
            granted_at=uow.now,
            unit_id=idea.unit_id,
            department_id=department_id,
            taxable=False,
        )
        session.add_all([entry, grant])
        await session.flush()
        await _announce(uow, entry, grant)
        granted.append(grant.grant_id)
    return granted


async def _announce(uow: UnitOfWork[Any], entry: LedgerEntry, grant: RewardGrant) -> None:
    await announce_points(uow, entry)
    await announce_grant(uow, grant, reason_code_of_origin(grant.origin))


async def announce_points(uow: UnitOfWork[Any], entry: LedgerEntry) -> None:
    """PointsAwarded for a new ledger entry.

    The entry and grant ids double as event ids: a duplicate can then never look new, neither
    to JetStream's duplicate window nor to a consumer's inbox."""
    await uow.publish(
        PointsAwarded(
            idea_id=entry.idea_id,
            entry_id=entry.entry_id,
            person_id=entry.person_id,
            unit_id=entry.unit_id,
            points=entry.points,
            rule=entry.rule,
        ),
        event_id=entry.entry_id,
    )
