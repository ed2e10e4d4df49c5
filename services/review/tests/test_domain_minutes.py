"""Minutes exports: the same facts as JSON, Markdown and CSV, with fi/sv/en headings."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from ideapaja_review.domain.committee import Criterion
from ideapaja_review.domain.minutes import (
    LANGUAGES,
    Conflict,
    ItemStatus,
    Localiser,
    MemberScore,
    Minutes,
    MinutesItem,
    as_dict,
    csv_table,
    to_markdown,
)
from ideapaja_review.texts import CATALOGS, localiser
from ideapaja_runtime.csv_export import csv_lines

NAMES = {"p-chair": "Liisa Laine", "p-m1": "Matti Mäki", "p-m2": "Pia Puro", "p-sec": "Sanna Sihvo"}


class Labels:
    """The minutes' texts in one language, as the catalogs give them."""

    def __init__(self, language: str) -> None:
        self.loc = localiser(language, NAMES)

    def __getitem__(self, key: str) -> str:
        return self.loc.value(key) if key in ("chair", "secretary") else self.loc.text(key)


LABELS = {language: Labels(language) for language in LANGUAGES}

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
    text = to_markdown(MINUTES, localiser(language, NAMES))
    labels = LABELS[language]
    assert text.startswith(f"# {labels['minutes']}: Kevään kokous")
    for key in ("agenda", "conflicts", "scores", "decision", "rationale"):
        assert labels[key] in text
    assert labels["accepted"] in text and labels["deferred"] in text
    assert "Toteutetaan pääkirjastossa." in text
    # User text cannot break the table.
    number = "4.00" if language == "en" else "4,00"
    assert f"| Liisa Laine | 5 | 2 | {number} | Hyvä idea |" in text
    assert f"### {labels['item']} 1: Omatoimikirjasto | iltaisin" in text


def test_markdown_labels_criteria_in_the_language_with_finnish_fallback() -> None:
    assert "| Nytta | Kulut |" in to_markdown(MINUTES, localiser("sv", NAMES))


@pytest.mark.parametrize("language", LANGUAGES)
def test_csv_has_a_row_per_scoring_and_a_mean_per_item(language: str) -> None:
    rows = list(csv.reader(io.StringIO(to_csv(MINUTES, localiser(language, NAMES)))))
    header, body = rows[0], rows[1:]
    assert header[0] == LABELS[language]["item"]
    assert len(header) == 5 + len(RUBRIC) + 5
    assert [r[4] for r in body] == [
        "Liisa Laine",
        "Matti Mäki",
        LABELS[language]["mean"],
        LABELS[language]["mean"],
    ]
    assert body[2][-3] == LABELS[language]["accepted"]
    assert body[3][-3] == LABELS[language]["deferred"]
    assert body[0][5:8] == ["5", "2", "4.00" if language == "en" else "4,00"]
    assert body[0][8] == "Hyvä\nidea"  # CSV quotes it; nothing is lost


@pytest.mark.parametrize("language", LANGUAGES)
def test_csv_lists_conflicts_of_interest_as_markdown_and_json_do(language: str) -> None:
    rows = list(csv.reader(io.StringIO(to_csv(MINUTES, localiser(language, NAMES)))))
    header, body = rows[0], rows[1:]
    assert header[-1] == LABELS[language]["conflicts"]
    assert [r[-1] for r in body[:3]] == ["Pia Puro: Puoliso hakijana"] * 3
    assert body[3][-1] == LABELS[language]["none"]
    assert all(len(r) == len(header) for r in body)


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_finnish_and_swedish_minutes_carry_no_english(language: str) -> None:
    """Values in words, the case column's heading, decimal commas, the local time and names:
    no code, English word, ISO time or person id in a document people sign."""
    loc = localiser(language, NAMES)
    markdown, sheet = to_markdown(MINUTES, loc), to_csv(MINUTES, loc)
    header = next(csv.reader(io.StringIO(sheet)))
    assert "case_id" not in header and "Item" not in header
    for text in (markdown, sheet):
        for english in ("accepted", "Accepted", "deferred", "Deferred", "chair", "p-chair", "T13"):
            assert english not in text, (language, english)
        assert "4,00" in text and "3,50" in text
    assert "2.4.2025 16.00" in markdown  # 13:00 UTC is 16:00 in Helsinki in April
    assert f"Liisa Laine ({LABELS[language]['chair']})" in markdown


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_review_catalogs_leave_nothing_untranslated(language: str) -> None:
    assert CATALOGS.untranslated(language) == []


def test_json_minutes_keep_codes_and_give_names() -> None:
    data = as_dict(MINUTES, NAMES)
    assert data["members"]["p-chair"] == "chair" and data["items"][0]["decision"] == "accepted"
    assert data["names"]["p-m2"] == "Pia Puro"


def to_csv(minutes: Minutes, loc: Localiser) -> str:
    """The minutes as the API writes them (the runtime's formula-safe CSV writer)."""
    return "".join(csv_lines(*csv_table(minutes, loc)))


def test_people_s_text_cannot_become_a_formula_or_a_second_cell() -> None:
    # Excel in Finnish and Swedish splits on ";": the part after it would be a formula.
    title = "Tavallinen otsikko;=cmd|' /C calc'!A0"
    minutes = replace(MINUTES, items=[replace(MINUTES.items[0], title=title)])
    sheet = to_csv(minutes, localiser("fi", NAMES))
    assert "\"Tavallinen otsikko;'=cmd|' /C calc'!A0\"" in sheet
    # Read as a Finnish spreadsheet would (";" separates): the title stays one cell, no formula.
    as_finnish_excel = list(csv.reader(io.StringIO(sheet), delimiter=";"))
    assert not any(cell.startswith("=") for row in as_finnish_excel for cell in row)
