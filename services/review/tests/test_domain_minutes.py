"""Minutes exports: the same facts as JSON, Markdown and CSV, with fi/sv/en headings."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest

from ideapaja_review.domain.committee import Criterion
from ideapaja_review.domain.minutes import (
    LABELS,
    LANGUAGES,
    Conflict,
    ItemStatus,
    MemberScore,
    Minutes,
    MinutesItem,
    as_dict,
    to_csv,
    to_markdown,
)

RUBRIC = (Criterion("benefit", 2, "Hyöty", "Nytta", "Benefit"), Criterion("cost", 1, "Kulut"))

MINUTES = Minutes(
    meeting_id="m-1",
    committee_id="k-dev",
    committee_name="Kehittämistoimikunta",
    title="Kevään kokous",
    scheduled_at=datetime(2025, 4, 2, 13, 0, tzinfo=UTC),
    status="closed",
    quorum=2,
    members={"p-chair": "chair", "p-m1": "member", "p-sec": "secretary"},
    present_ids=["p-chair", "p-m1", "p-sec"],
    criteria=RUBRIC,
    items=[
        MinutesItem(
            position=1,
            case_id="c-1",
            idea_id="i-1",
            title="Omatoimikirjasto | iltaisin",
            author_ref="a-ref1",
            status=ItemStatus.DECIDED,
            conflicts=[Conflict("p-m2", "Puoliso hakijana")],
            scores=[
                MemberScore("p-chair", {"benefit": 5, "cost": 2}, 4.0, "Hyvä\nidea"),
                MemberScore("p-m1", {"benefit": 3, "cost": 3}, 3.0, ""),
            ],
            criterion_means={"benefit": 4.0, "cost": 2.5},
            weighted_mean=3.5,
            decision="accepted",
            rationale="Toteutetaan pääkirjastossa.",
            decided_by="p-chair",
        ),
        MinutesItem(
            position=2,
            case_id="c-2",
            idea_id="i-2",
            title="Toinen",
            author_ref="a-ref2",
            status=ItemStatus.DEFERRED,
        ),
    ],
)


def test_json_keeps_every_fact_and_rounds_scores() -> None:
    data = as_dict(MINUTES)
    assert data["scheduled_at"] == "2025-04-02T13:00:00+00:00"
    first = data["items"][0]
    assert first["decision"] == "accepted" and first["weighted_mean"] == 3.5
    assert first["conflicts"] == [{"person_id": "p-m2", "reason": "Puoliso hakijana"}]
    assert [s["person_id"] for s in first["scores"]] == ["p-chair", "p-m1"]
    assert data["criteria"][0]["key"] == "benefit"


@pytest.mark.parametrize("language", LANGUAGES)
def test_markdown_has_headings_in_the_language(language: str) -> None:
    text = to_markdown(MINUTES, language)
    labels = LABELS[language]
    assert text.startswith(f"# {labels['minutes']}: Kevään kokous")
    for key in ("agenda", "conflicts", "scores", "decision", "rationale"):
        assert labels[key] in text
    assert labels["accepted"] in text and labels["deferred"] in text
    assert "Toteutetaan pääkirjastossa." in text
    # User text cannot break the table.
    assert "| p-chair | 5 | 2 | 4.00 | Hyvä idea |" in text
    assert f"### {labels['item']} 1: Omatoimikirjasto | iltaisin" in text


def test_markdown_labels_criteria_in_the_language_with_finnish_fallback() -> None:
    assert "| Nytta | Kulut |" in to_markdown(MINUTES, "sv")


@pytest.mark.parametrize("language", LANGUAGES)
def test_csv_has_a_row_per_scoring_and_a_mean_per_item(language: str) -> None:
    rows = list(csv.reader(io.StringIO(to_csv(MINUTES, language))))
    header, body = rows[0], rows[1:]
    assert header[0] == LABELS[language]["item"]
    assert len(header) == 5 + len(RUBRIC) + 5
    assert [r[4] for r in body] == [
        "p-chair",
        "p-m1",
        LABELS[language]["mean"],
        LABELS[language]["mean"],
    ]
    assert body[2][-3] == LABELS[language]["accepted"]
    assert body[3][-3] == LABELS[language]["deferred"]
    assert body[0][5:8] == ["5", "2", "4.00"]
    assert body[0][8] == "Hyvä\nidea"  # CSV quotes it; nothing is lost


@pytest.mark.parametrize("language", LANGUAGES)
def test_csv_lists_conflicts_of_interest_as_markdown_and_json_do(language: str) -> None:
    rows = list(csv.reader(io.StringIO(to_csv(MINUTES, language))))
    header, body = rows[0], rows[1:]
    assert header[-1] == LABELS[language]["conflicts"]
    assert [r[-1] for r in body[:3]] == ["p-m2: Puoliso hakijana"] * 3
    assert body[3][-1] == LABELS[language]["none"]
    assert all(len(r) == len(header) for r in body)
