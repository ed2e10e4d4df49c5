"""Names and typed queries folded for the colleague search: blind to case and accents, any part
of a name, the start of it."""

from __future__ import annotations

import pytest

from ideapaja_intake.domain.people import (
    folded,
    name_key,
    name_words,
    prefix_range,
    query_words,
)

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Leena Korhonen", ["leena", "korhonen"]),
        ("Åsa Åhlund", ["asa", "ahlund"]),
        ("Anna-Liisa Mäkelä-Öberg", ["anna", "liisa", "makela", "oberg"]),
        ("  Jörg   STRAUß ", ["jorg", "strauss"]),
        ("Søren Kierkegaard", ["soren", "kierkegaard"]),
        ("O'Brien, Seán", ["o", "brien", "sean"]),
        ("Anna Anna", ["anna"]),
        ("", []),
    ],
)
def test_a_name_is_found_by_its_parts_folded(name: str, expected: list[str]) -> None:
    assert name_words(name) == expected


def test_people_are_listed_by_their_folded_name() -> None:
    assert name_key("Åsa  Åhlund") == "asa ahlund"
    assert sorted(["Öberg", "Aho", "Ojala"], key=name_key) == ["Aho", "Öberg", "Ojala"]


def test_a_query_is_folded_like_names_longest_word_first() -> None:
    assert query_words("ÅHL") == ["ahl"]
    assert query_words("leena KOR") == ["leena", "kor"]
    assert query_words("k leena") == ["leena", "k"]
    assert query_words("aa bb cc dd ee ff") == ["aa", "bb", "cc", "dd", "ee"]


@pytest.mark.parametrize("query", ["", "  ", "k", "-- ,", "a b"])
def test_a_query_needs_a_word_of_two_letters(query: str) -> None:
    assert query_words(query) is None


def test_a_prefix_is_one_range_of_words() -> None:
    low, high = prefix_range("kor")
    assert (low, high) == ("kor", "kos")
    words = ["ko", "kor", "korhonen", "kortelainen", "kos", "kosonen", "kooste"]
    assert [w for w in words if low <= w < high] == ["kor", "korhonen", "kortelainen"]
    assert folded("Ääkkönen") == "aakkonen"
