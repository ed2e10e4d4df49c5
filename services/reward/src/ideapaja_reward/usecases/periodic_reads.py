"""Reading a periodic award round: its candidates with nomination and vote counts, every
nomination (an idea's title, never its authors), the unit ranking of a unit of the year round,
and who voted for what (admins only)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from ideapaja_reward.db.models import AwardNominationRow, RewardIdea
from ideapaja_reward.domain.periodic import tally
from ideapaja_reward.schemas_activity import figures_public
from ideapaja_reward.schemas_periodic import (
    AwardRoundDetail,
    AwardRoundPublic,
    CandidatePublic,
    NominationPublic,
    RankedUnitPublic,
    VotePublic,
)
from ideapaja_reward.usecases.activity import unit_ranking
from ideapaja_reward.usecases.periodic import Round, vote_counts
from ideapaja_runtime.authz import Role
from ideapaja_runtime.uow import UnitOfWork


async def round_detail(uow: UnitOfWork[Any], found: Round) -> AwardRoundDetail:
    """The round, its candidates (nominated or voted for) with their counts, every nomination,
    the ranking (unit of the year), and who voted for what (admins only)."""
    session, round_id = uow.session, found.row.round_id
    nominations = list(
        (
            await session.scalars(
                select(AwardNominationRow)
                .where(AwardNominationRow.round_id == round_id)
                .order_by(AwardNominationRow.nominated_at, AwardNominationRow.candidate_id)
            )
        ).all()
    )
    votes = await vote_counts(uow, round_id)
    counts = tally(v.candidate_id for v in votes)
    nominated = tally(n.candidate_id for n in nominations)
    ideas: dict[str, RewardIdea] = {}
    if found.kind.for_ideas:
        chosen = select(RewardIdea).where(RewardIdea.idea_id.in_(set(nominated) | set(counts)))
        ideas = {idea.idea_id: idea for idea in (await session.scalars(chosen)).all()}

    def about(candidate: str) -> dict[str, str | None]:
        idea = ideas.get(candidate)
        if not found.kind.for_ideas:
            return {"idea_id": None, "unit_id": candidate, "title": None}
        return {
            "idea_id": candidate,
            "unit_id": idea.unit_id if idea else None,
            "title": idea.title if idea else None,
        }

    candidates = sorted(set(nominated) | set(counts), key=lambda c: (-counts[c], -nominated[c], c))
    ranking = []
    if not found.kind.for_ideas:
        ranked_rows = await unit_ranking(session, found.period, uow.now)
        ranking = [
            RankedUnitPublic(
                rank=place,
                unit_id=row.unit_id or "",
                figures=figures_public(row.current),
                votes=counts[row.unit_id or ""],
            )
            for place, row in enumerate(ranked_rows, start=1)
        ]
    me = uow.person
    return AwardRoundDetail.model_validate(
        {
            **AwardRoundPublic.fields_of(found.row),
            "candidates": [
                CandidatePublic(**about(c), nominations=nominated[c], votes=counts[c])
                for c in candidates
            ],
            "nominations": [
                NominationPublic(
                    **about(n.candidate_id), reason=n.reason, nominated_at=n.nominated_at
                )
                for n in nominations
            ],
            "ranking": ranking,
            "votes": [
                VotePublic(voter_id=v.voter_id, candidate_id=v.candidate_id, voted_at=v.voted_at)
                for v in votes
            ]
            if me.has_any(Role.ADMIN)
            else None,
            "my_vote": next((v.candidate_id for v in votes if v.voter_id == me.person_id), None),
        }
    )
