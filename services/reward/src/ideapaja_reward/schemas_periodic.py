"""Requests and answers of periodic award rounds: opening a round, nominating, voting, deciding,
and reading a round with its candidates, vote counts and (unit of the year) the ranking."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from ideapaja_contracts.base import ID_PATTERN
from ideapaja_reward.db.models import AwardRoundRow
from ideapaja_reward.domain.periodic import AwardKind
from ideapaja_reward.schemas_activity import ActivityFiguresPublic

OptionalId = Annotated[str, StringConstraints(pattern=ID_PATTERN)] | None
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]
Note = Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)]
_KINDS = "idea_of_the_month, idea_of_the_year or unit_of_the_year"


class AwardRoundCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: AwardKind = Field(description=f"The award: {_KINDS}")
    period: Annotated[str, StringConstraints(pattern=r"^\d{4}(-\d{2})?$")] = Field(
        description="2026-11 for idea of the month, 2026 for the awards of a year "
        "(calendar, Europe/Helsinki)"
    )


class CandidateChoice(BaseModel):
    """An idea (idea rounds) or a unit (unit of the year): exactly the one the round is for."""

    model_config = ConfigDict(extra="forbid")

    idea_id: OptionalId = Field(default=None, description="The idea (idea rounds)")
    unit_id: OptionalId = Field(default=None, description="The unit (unit of the year)")


class NominationCreate(CandidateChoice):
    reason: Reason = Field(description="Why it deserves the award (1–1000 characters)")


class VoteCreate(CandidateChoice):
    """A committee member's vote: a nominated idea, or a nominated or ranked unit."""


class DecisionCreate(CandidateChoice):
    """The winner. Leave both ids out to award the candidate with the most votes; a tie (or no
    votes) needs the winner named."""

    note: Note = Field(default="", description="The committee's grounds, optional")


class AwardRoundPublic(BaseModel):
    id: str = Field(description="The round's id")
    kind: str = Field(description=_KINDS)
    period: str = Field(description="2026-11 (a month) or 2026 (a year)")
    status: str = Field(description="open (nominations and votes) or decided (closed)")
    opened_by: str = Field(description="Who opened it")
    opened_at: datetime = Field(description="When")
    winner_idea_id: str | None = Field(description="The winning idea, once decided")
    winner_unit_id: str | None = Field(description="The winning unit, once decided")
    decided_by: str | None = Field(description="Who decided it")
    decided_at: datetime | None = Field(description="When it was decided")
    points: int = Field(description="Points granted to each author of the winning idea")
    note: str = Field(description="The committee's grounds for the decision")

    @classmethod
    def fields_of(cls, row: AwardRoundRow) -> dict[str, object]:
        for_ideas = AwardKind(row.kind).for_ideas
        return {
            "id": row.round_id,
            "kind": row.kind,
            "period": row.period,
            "status": row.status,
            "opened_by": row.opened_by,
            "opened_at": row.opened_at,
            "winner_idea_id": row.winner_id if for_ideas else None,
            "winner_unit_id": None if for_ideas else row.winner_id,
            "decided_by": row.decided_by,
            "decided_at": row.decided_at,
            "points": row.points,
            "note": row.note,
        }

    @classmethod
    def of(cls, row: AwardRoundRow) -> AwardRoundPublic:
        return cls.model_validate(cls.fields_of(row))


class CandidatePublic(BaseModel):
    """A candidate with its nominations and votes (never an idea's authors)."""

    idea_id: str | None = Field(description="The idea (idea rounds)")
    unit_id: str | None = Field(description="The unit: the candidate, or the idea's unit")
    title: str | None = Field(description="The idea's title as submitted")
    nominations: int = Field(description="How many people nominated it")
    votes: int = Field(description="Committee members' votes for it")


class NominationPublic(BaseModel):
    idea_id: str | None = Field(description="The nominated idea (idea rounds)")
    unit_id: str | None = Field(description="The nominated unit, or the idea's unit")
    title: str | None = Field(description="The idea's title as submitted")
    reason: str = Field(description="Why it was nominated")
    nominated_at: datetime = Field(description="When")


class RankedUnitPublic(BaseModel):
    rank: int = Field(description="1 for the most active unit")
    unit_id: str = Field(description="The unit")
    figures: ActivityFiguresPublic = Field(description="Its activity over the round's year")
    votes: int = Field(description="Committee members' votes for it")


class VotePublic(BaseModel):
    voter_id: str = Field(description="The committee member")
    candidate_id: str = Field(description="The idea or unit they voted for")
    voted_at: datetime = Field(description="When they last voted")


class AwardRoundDetail(AwardRoundPublic):
    """A round with its candidates: nominated ideas show their title, never their authors."""

    candidates: list[CandidatePublic] = Field(
        description="Nominated ideas or units, most votes first"
    )
    nominations: list[NominationPublic] = Field(description="Every nomination, oldest first")
    ranking: list[RankedUnitPublic] = Field(
        description="Unit of the year: every unit with a headcount, by distinct authors and then "
        "ideas per 100 employees over the year (empty for idea rounds)"
    )
    votes: list[VotePublic] | None = Field(
        description="Who voted for what: admins only (else null)"
    )
    my_vote: str | None = Field(description="The caller's own vote (idea or unit id), if any")
