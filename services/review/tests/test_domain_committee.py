"""Committee scoring: rubric, score validation, conflicts, the weighted tally and quorum."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ideapaja_review.domain.committee import (
    DEFAULT_CRITERIA,
    MAX_SCORE,
    Criterion,
    MemberRole,
    eligible_scorers,
    quorum_met,
    rubric_errors,
    score_errors,
    scoring_denied,
    tally,
    weighted_score,
)

RUBRIC = (Criterion("benefit", 3, "Hyöty"), Criterion("cost", 1, "Kustannus"))
MEMBERS = {
    "p-chair": MemberRole.CHAIR,
    "p-m1": MemberRole.MEMBER,
    "p-m2": MemberRole.MEMBER,
    "p-sec": MemberRole.SECRETARY,
}


def test_default_rubric_is_valid_and_labelled_in_three_languages() -> None:
    assert rubric_errors(DEFAULT_CRITERIA) == []
    assert all(c.label_fi and c.label_sv and c.label_en for c in DEFAULT_CRITERIA)
    assert DEFAULT_CRITERIA[0].label("sv") == "Nytta"
    assert Criterion("x", 1, "Suomeksi").label("en") == "Suomeksi"


@pytest.mark.parametrize(
    ("rubric", "error"),
    [
        ((), "at least one"),
        ((Criterion("a", 1, "A"), Criterion("a", 2, "A")), "unique"),
        ((Criterion("a", 0, "A"),), "positive"),
    ],
)
def test_bad_rubrics(rubric: tuple[Criterion, ...], error: str) -> None:
    assert any(error in e for e in rubric_errors(rubric))


def test_score_errors_name_each_problem() -> None:
    assert score_errors(RUBRIC, {"benefit": 5, "cost": 0}) == []
    assert score_errors(RUBRIC, {"benefit": 6, "novelty": 1}) == [
        "unknown criterion 'novelty'",
        "criterion 'cost' is not scored",
        f"criterion 'benefit': 6 is outside 0..{MAX_SCORE}",
    ]
    assert score_errors(RUBRIC, {"benefit": -1, "cost": 2}) == [
        "criterion 'benefit': -1 is outside 0..5"
    ]


def test_weighted_score_weights_each_criterion() -> None:
    assert weighted_score(RUBRIC, {"benefit": 4, "cost": 0}) == 3.0
    assert weighted_score(RUBRIC, {"benefit": 5, "cost": 5}) == 5.0


def test_tally_counts_only_eligible_complete_scorings() -> None:
    result = tally(
        RUBRIC,
        {
            "p-chair": {"benefit": 4, "cost": 0},
            "p-m1": {"benefit": 2, "cost": 4},
            "p-m2": {"benefit": 5},  # incomplete: does not count
            "p-conflicted": {"benefit": 5, "cost": 5},  # not eligible
        },
        eligible={"p-chair", "p-m1", "p-m2"},
    )
    assert result.scorer_ids == ("p-chair", "p-m1")
    assert result.criterion_means == {"benefit": 3.0, "cost": 2.0}
    assert result.weighted_mean == pytest.approx((3.0 + 2.5) / 2)
    assert quorum_met(result, 2) and not quorum_met(result, 3)


def test_an_empty_tally() -> None:
    result = tally(RUBRIC, {}, eligible=set(MEMBERS))
    assert (result.scorers, result.weighted_mean) == (0, None)
    assert result.criterion_means == {"benefit": None, "cost": None}


def test_eligible_scorers_are_voting_members_without_conflicts() -> None:
    assert eligible_scorers(MEMBERS, conflicted={"p-m1"}, authors={"p-m2"}) == {"p-chair"}


@pytest.mark.parametrize(
    ("person", "conflicted", "authors", "reason"),
    [
        ("p-m1", set(), set(), None),
        ("p-chair", set(), set(), None),
        ("p-outsider", set(), set(), "not a member"),
        ("p-sec", set(), set(), "secretary"),
        ("p-m1", {"p-m1"}, set(), "conflict of interest"),
        ("p-m1", set(), {"p-m1"}, "conflict of interest"),
    ],
)
def test_who_may_score(
    person: str, conflicted: set[str], authors: set[str], reason: str | None
) -> None:
    denied = scoring_denied(person, MEMBERS, conflicted, authors)
    if reason is None:
        assert denied is None
    else:
        assert denied is not None and reason in denied.reason


SCORES = st.fixed_dictionaries(
    {c.key: st.integers(min_value=0, max_value=MAX_SCORE) for c in DEFAULT_CRITERIA}
)


@given(st.dictionaries(st.sampled_from(["a", "b", "c", "d"]), SCORES, max_size=4))
def test_the_weighted_mean_stays_on_the_scale(scorings: dict[str, dict[str, int]]) -> None:
    result = tally(DEFAULT_CRITERIA, scorings, eligible={"a", "b", "c", "d"})
    assert result.scorers == len(scorings)
    if scorings:
        assert result.weighted_mean is not None
        assert 0 <= result.weighted_mean <= MAX_SCORE
        lowest = min(weighted_score(DEFAULT_CRITERIA, s) for s in scorings.values())
        highest = max(weighted_score(DEFAULT_CRITERIA, s) for s in scorings.values())
        assert lowest - 1e-9 <= result.weighted_mean <= highest + 1e-9
