"""Periodic award rounds: idea of the month or of the year, unit of the year.

Admins and committee members open a round; any employee nominates (an idea submitted in the
round's period, or a unit); committee members vote, one vote each, changeable until the
decision; the decision (admins, or committee members who also hold the management role: the
committee chair is not a token role) names the winner, closes the round and grants: a
recognition with the configured points to each author of the winning idea (``periodic:<round>``
grants, once per person however often it is replayed), and ``PeriodicAwardDecided`` for every
award. Anonymous ideas' authors are rewarded and never shown to anyone here.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update

from ideapaja_contracts.events.reward import PeriodicAwardDecided, PeriodicAwardKind, RewardKind
from ideapaja_contracts.periods import InvalidPeriod, Period
from ideapaja_reward.db.models import (
    AwardNominationRow,
    AwardRoundRow,
    AwardVoteRow,
    LedgerEntry,
    RewardGrant,
    RewardIdea,
)
from ideapaja_reward.db.org import load_units
from ideapaja_reward.domain import entry_id, grant_id, source_key
from ideapaja_reward.domain.periodic import (
    PERIODIC_ORIGIN,
    AwardKind,
    RoundStatus,
    leader,
    round_period,
    tally,
)
from ideapaja_reward.schemas_periodic import AwardRoundPublic, CandidateChoice
from ideapaja_reward.usecases.activity import unit_ranking
from ideapaja_reward.usecases.ledger import announce_points
from ideapaja_reward.usecases.payroll import announce_grant
from ideapaja_runtime.authz import Role
from ideapaja_runtime.errors import Conflict, ForbiddenObject, InvalidInput, NotFound
from ideapaja_runtime.pagination import Page, PageRequest, page_of
from ideapaja_runtime.uow import UnitOfWork


@dataclass(frozen=True)
class Round:
    row: AwardRoundRow
    kind: AwardKind
    period: Period

    @property
    def field(self) -> str:
        """The body field naming a candidate in this round."""
        return "idea_id" if self.kind.for_ideas else "unit_id"


async def open_round(uow: UnitOfWork[Any], kind: AwardKind, period_text: str) -> AwardRoundRow:
    try:
        period = round_period(kind, period_text)
    except InvalidPeriod as error:
        raise InvalidInput("period", str(error)) from None
    taken = await uow.session.scalar(
        select(AwardRoundRow.round_id).where(
            AwardRoundRow.kind == kind.value, AwardRoundRow.period == period.label
        )
    )
    if taken is not None:
        raise Conflict(f"{kind.value} {period.label} has a round already: {taken}", round_id=taken)
    row = AwardRoundRow(
        round_id=f"ar-{uuid.uuid4().hex[:20]}",
        kind=kind.value,
        period=period.label,
        status=RoundStatus.OPEN.value,
        opened_by=uow.person.person_id,
        opened_at=uow.now,
        points=0,
        note="",
    )
    uow.session.add(row)
    await uow.session.flush()
    return row


async def list_rounds(
    uow: UnitOfWork[Any],
    page: PageRequest,
    *,
    kind: AwardKind | None = None,
    status: RoundStatus | None = None,
) -> Page[AwardRoundPublic]:
    """Rounds newest first."""
    query = select(AwardRoundRow)
    if kind is not None:
        query = query.where(AwardRoundRow.kind == kind.value)
    if status is not None:
        query = query.where(AwardRoundRow.status == status.value)
    return await page_of(
        uow.session,
        query,
        keys=[AwardRoundRow.opened_at.expression, AwardRoundRow.round_id.expression],
        page=page,
        item=AwardRoundPublic.of,
    )


async def find_round(uow: UnitOfWork[Any], round_id: str) -> Round:
    row = await uow.session.get(AwardRoundRow, round_id)
    if row is None:
        raise NotFound(f"No award round {round_id}")
    kind = AwardKind(row.kind)
    return Round(row, kind, round_period(kind, row.period))


def _still_open(found: Round, what: str) -> None:
    if found.row.status != RoundStatus.OPEN.value:
        raise Conflict(f"The round is decided: it takes no more {what}")


def _candidate(found: Round, choice: CandidateChoice) -> str | None:
    """The idea or unit ``choice`` names, in the field this round takes (None: neither)."""
    other = "unit_id" if found.kind.for_ideas else "idea_id"
    if getattr(choice, other) is not None:
        raise InvalidInput(other, f"a {found.kind.value} round takes {found.field}, not {other}")
    named: str | None = getattr(choice, found.field)
    return named


def _required(found: Round, choice: CandidateChoice) -> str:
    named = _candidate(found, choice)
    if named is None:
        raise InvalidInput(found.field, f"a {found.kind.value} round needs {found.field}")
    return named


async def nominate(
    uow: UnitOfWork[Any], round_id: str, choice: CandidateChoice, reason: str
) -> Round:
    found = await find_round(uow, round_id)
    _still_open(found, "nominations")
    candidate = _required(found, choice)
    if found.kind.for_ideas:
        await _check_idea_in_period(uow, found, candidate)
    elif candidate not in await load_units(uow.session):
        raise InvalidInput("unit_id", f"HR has described no unit {candidate}")
    key = (round_id, candidate, uow.person.person_id)
    if await uow.session.get(AwardNominationRow, key) is not None:
        raise Conflict(f"You have nominated {candidate} in this round already: once per round")
    uow.session.add(
        AwardNominationRow(
            round_id=round_id,
            candidate_id=candidate,
            nominated_by=uow.person.person_id,
            reason=reason,
            nominated_at=uow.now,
        )
    )
    await uow.session.flush()
    return found


async def _check_idea_in_period(uow: UnitOfWork[Any], found: Round, idea_id: str) -> None:
    idea = await uow.session.get(RewardIdea, idea_id)
    if idea is None:
        raise InvalidInput("idea_id", f"No submitted idea {idea_id} is known here")
    if not found.period.contains(idea.submitted_at):
        submitted = Period.containing(found.period.kind, idea.submitted_at).label
        raise InvalidInput(
            "idea_id",
            f"the idea was submitted in {submitted}, outside the round's period "
            f"{found.period.label}",
        )


async def _nominated(uow: UnitOfWork[Any], round_id: str) -> set[str]:
    rows = await uow.session.scalars(
        select(AwardNominationRow.candidate_id).where(AwardNominationRow.round_id == round_id)
    )
    return set(rows.all())


async def _check_eligible(uow: UnitOfWork[Any], found: Round, candidate: str) -> None:
    """Idea rounds: a nominated idea. Unit of the year: a nominated or ranked unit."""
    if candidate in await _nominated(uow, found.row.round_id):
        return
    if not found.kind.for_ideas:
        ranking = await unit_ranking(uow.session, found.period, uow.now)
        if candidate in {row.unit_id for row in ranking}:
            return
        raise InvalidInput("unit_id", f"{candidate} is neither nominated nor ranked in this round")
    raise InvalidInput("idea_id", f"{candidate} is not nominated in this round")


async def vote(
    uow: UnitOfWork[Any], round_id: str, choice: CandidateChoice, *, change: bool
) -> Round:
    """The caller's vote; ``change``: replace their earlier vote (or cast the first)."""
    found = await find_round(uow, round_id)
    _still_open(found, "votes")
    candidate = _required(found, choice)
    await _check_eligible(uow, found, candidate)
    voter = uow.person.person_id
    earlier = await uow.session.get(AwardVoteRow, (round_id, voter))
    if earlier is None:
        uow.session.add(
            AwardVoteRow(
                round_id=round_id, voter_id=voter, candidate_id=candidate, voted_at=uow.now
            )
        )
    elif not change:
        raise Conflict(
            "One vote per committee member per round: you have voted already; change your vote "
            f"with PUT /award-rounds/{round_id}/votes/mine"
        )
    else:
        earlier.candidate_id, earlier.voted_at = candidate, uow.now
    await uow.session.flush()
    return found


async def vote_counts(uow: UnitOfWork[Any], round_id: str) -> list[AwardVoteRow]:
    rows = await uow.session.scalars(
        select(AwardVoteRow)
        .where(AwardVoteRow.round_id == round_id)
        .order_by(AwardVoteRow.voted_at, AwardVoteRow.voter_id)
    )
    return list(rows.all())


async def decide(uow: UnitOfWork[Any], round_id: str, choice: CandidateChoice, note: str) -> Round:
    person = uow.person
    if not (person.has_any(Role.ADMIN) or {Role.COMMITTEE_MEMBER, Role.MANAGEMENT} <= person.roles):
        raise ForbiddenObject(
            "The decision is the committee chair's: admins, or committee members who also hold "
            "the management role"
        )
    found = await find_round(uow, round_id)
    _still_open(found, "decisions")
    winner = _candidate(found, choice)
    if winner is None:
        winner = leader(tally(v.candidate_id for v in await vote_counts(uow, round_id)))
        if winner is None:
            raise InvalidInput(
                found.field, "the vote is tied (or nobody voted): name the winner explicitly"
            )
    await _check_eligible(uow, found, winner)
    points = uow.settings.periodic_points.get(found.kind.value, 0) if found.kind.for_ideas else 0
    closed = await uow.session.execute(
        update(AwardRoundRow)
        .where(AwardRoundRow.round_id == round_id, AwardRoundRow.status == RoundStatus.OPEN.value)
        .values(
            status=RoundStatus.DECIDED.value,
            winner_id=winner,
            decided_by=person.person_id,
            decided_at=uow.now,
            points=points,
            note=note,
        )
        .execution_options(synchronize_session="fetch")
    )
    if getattr(closed, "rowcount", 0) != 1:
        raise Conflict("The round was decided meanwhile")
    await _announce_award(uow, found, winner, points)
    return found


async def _announce_award(uow: UnitOfWork[Any], found: Round, winner: str, points: int) -> None:
    event = PeriodicAwardDecided(
        round_id=found.row.round_id,
        award=PeriodicAwardKind(found.kind.value),
        period=found.period.label,
        unit_id=winner,
        points=points,
        decided_by=uow.person.person_id,
    )
    if found.kind.for_ideas:
        idea = await uow.session.get(RewardIdea, winner)
        if idea is None:  # nominated ideas are known; kept for the type checker
            raise NotFound(f"No idea {winner}")
        for person_id in dict.fromkeys(idea.author_ids):
            await _recognise(uow, found, idea, person_id, points)
        event = event.model_copy(
            update={
                "idea_id": idea.idea_id,
                "idea_title": idea.title[:200],
                "unit_id": idea.unit_id,
                "recipient_ids": list(dict.fromkeys(idea.author_ids)),
                "anonymous": idea.anonymous,
            }
        )
    await uow.publish(event, event_id=f"pad-{found.row.round_id}")


async def _recognise(
    uow: UnitOfWork[Any], found: Round, idea: RewardIdea, person_id: str, points: int
) -> None:
    """A recognition grant (and a ledger entry for its points) for one author, once."""
    session = uow.session
    origin = f"{PERIODIC_ORIGIN}{found.row.round_id}"
    rule = found.kind.value
    if await session.get(RewardGrant, grant_id(idea.idea_id, person_id, origin)) is not None:
        return
    reason = f"{found.kind.reason} {found.period.label}"
    entry: LedgerEntry | None = None
    if (
        points > 0
        and await session.get(LedgerEntry, entry_id(idea.idea_id, person_id, rule)) is None
    ):
        entry = LedgerEntry(
            entry_id=entry_id(idea.idea_id, person_id, rule),
            source_key=source_key(idea.idea_id, person_id, rule),
            idea_id=idea.idea_id,
            person_id=person_id,
            unit_id=idea.unit_id,
            rule=rule,
            points=points,
            reason=reason,
            cause_event_id=found.row.round_id,
            occurred_at=uow.now,
            created_at=uow.now,
        )
        session.add(entry)
    grant = RewardGrant(
        grant_id=grant_id(idea.idea_id, person_id, origin),
        idea_id=idea.idea_id,
        person_id=person_id,
        origin=origin,
        kind=RewardKind.RECOGNITION.value,
        amount_cents=0,
        currency=None,
        points=points if entry is not None else 0,
        reason=reason,
        ledger_entry_id=entry.entry_id if entry is not None else None,
        cause_event_id=found.row.round_id,
        granted_at=uow.now,
    )
    session.add(grant)
    await session.flush()
    if entry is not None:
        await announce_points(uow, entry)
    await announce_grant(uow, grant, found.kind.value)
