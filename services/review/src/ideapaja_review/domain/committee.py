"""Committee evaluation: the criteria rubric, who may score, the weighted tally and the quorum.

- A committee scores with its own rubric of weighted criteria (a meeting keeps a copy of the
  rubric it started with, so changing the rubric never rewrites an ongoing evaluation).
- Every voting member (chair or member; the secretary keeps the minutes) scores each criterion
  0..``max_score`` with a comment. A member with a recorded conflict of interest, or who is one
  of the idea's authors, never scores it.
- A member's weighted score is Σ wᵢ·sᵢ / Σ wᵢ; the item's score is the mean over its scorers.
- Quorum: the committee decides an item only when at least ``quorum`` eligible members have
  scored it completely.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from ideapaja_review.domain.access import Denied

MAX_SCORE = 5


class MemberRole(StrEnum):
    CHAIR = "chair"
    SECRETARY = "secretary"
    MEMBER = "member"


VOTING_ROLES = frozenset({MemberRole.CHAIR, MemberRole.MEMBER})
# Who runs a meeting: builds the agenda, records attendance and conflicts, closes it.
ORGANISER_ROLES = frozenset({MemberRole.CHAIR, MemberRole.SECRETARY})


@dataclass(frozen=True)
class Criterion:
    key: str
    weight: float
    label_fi: str
    label_sv: str = ""
    label_en: str = ""

    def label(self, language: str) -> str:
        return {"sv": self.label_sv, "en": self.label_en}.get(language) or self.label_fi


DEFAULT_CRITERIA: tuple[Criterion, ...] = (
    Criterion("benefit", 3, "Hyöty", "Nytta", "Benefit"),
    Criterion("feasibility", 2, "Toteutettavuus", "Genomförbarhet", "Feasibility"),
    Criterion("cost", 2, "Kustannukset", "Kostnader", "Cost"),
    Criterion("impact", 2, "Vaikutuksen laajuus", "Verkningens omfattning", "Scope of impact"),
    Criterion("novelty", 1, "Uutuus", "Nyhet", "Novelty"),
)


def rubric_errors(criteria: Sequence[Criterion]) -> list[str]:
    """Why a rubric is unusable (empty when it is fine)."""
    errors: list[str] = []
    if not criteria:
        errors.append("a rubric needs at least one criterion")
    keys = [c.key for c in criteria]
    if len(set(keys)) != len(keys):
        errors.append("criterion keys must be unique")
    if any(c.weight <= 0 for c in criteria):
        errors.append("weights must be positive")
    return errors


def score_errors(criteria: Sequence[Criterion], scores: Mapping[str, int]) -> list[str]:
    """Why a member's scores are not a complete, valid scoring of ``criteria``."""
    keys = {c.key for c in criteria}
    errors = [f"unknown criterion {key!r}" for key in sorted(set(scores) - keys)]
    errors += [f"criterion {key!r} is not scored" for key in sorted(keys - set(scores))]
    errors += [
        f"criterion {key!r}: {value} is outside 0..{MAX_SCORE}"
        for key, value in sorted(scores.items())
        if not 0 <= value <= MAX_SCORE
    ]
    return errors


def weighted_score(criteria: Sequence[Criterion], scores: Mapping[str, int]) -> float:
    total_weight = sum(c.weight for c in criteria)
    return sum(c.weight * scores[c.key] for c in criteria) / total_weight


@dataclass(frozen=True)
class Tally:
    scorer_ids: tuple[str, ...]
    # Mean of each criterion over the scorers (None when nobody scored).
    criterion_means: Mapping[str, float | None]
    # Mean of the scorers' weighted scores (None when nobody scored).
    weighted_mean: float | None

    @property
    def scorers(self) -> int:
        return len(self.scorer_ids)


def tally(
    criteria: Sequence[Criterion],
    member_scores: Mapping[str, Mapping[str, int]],
    eligible: Collection[str],
) -> Tally:
    """Combine the complete scorings of eligible members (anything else does not count)."""
    counted = {
        person_id: scores
        for person_id, scores in sorted(member_scores.items())
        if person_id in eligible and not score_errors(criteria, scores)
    }
    if not counted:
        return Tally((), {c.key: None for c in criteria}, None)
    n = len(counted)
    means: dict[str, float | None] = {
        c.key: sum(s[c.key] for s in counted.values()) / n for c in criteria
    }
    weighted = sum(weighted_score(criteria, s) for s in counted.values()) / n
    return Tally(tuple(counted), means, weighted)


def quorum_met(result: Tally, quorum: int) -> bool:
    return result.scorers >= quorum


def eligible_scorers(
    members: Mapping[str, MemberRole], conflicted: Collection[str], authors: Collection[str]
) -> frozenset[str]:
    """Voting members without a conflict of interest (authors are conflicted by definition)."""
    return frozenset(
        person_id
        for person_id, role in members.items()
        if role in VOTING_ROLES and person_id not in conflicted and person_id not in authors
    )


def scoring_denied(
    person_id: str,
    members: Mapping[str, MemberRole],
    conflicted: Collection[str],
    authors: Collection[str],
) -> Denied | None:
    """None when ``person_id`` may score the item; otherwise why not."""
    role = members.get(person_id)
    if role is None:
        return Denied("You are not a member of this committee.")
    if role not in VOTING_ROLES:
        return Denied("The secretary keeps the minutes and does not score.")
    # Authors get the same answer as any conflict: the reason would reveal an anonymous author.
    if person_id in conflicted or person_id in authors:
        return Denied("You have a conflict of interest with this idea and cannot score it.")
    return None
