"""Search words: Finnish and Swedish inflections meet their base forms; similarity is bounded."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ideapaja_intake.domain.search import (
    idea_similarity,
    query_alternatives,
    query_words,
    stem_fi,
    stem_sv,
    stored_terms,
    trigram_similarity,
)


def finds(query_word: str, text: str, language: str) -> bool:
    """What SQLite does: a stored stem starts with one of the query word's alternatives."""
    stored = stored_terms(text, language)
    return any(f" {alt}" in stored for alt in query_alternatives(query_word))


@pytest.mark.parametrize(
    "inflected",
    ["kirjasto", "kirjastossa", "kirjastoon", "kirjaston", "kirjastosta", "kirjastoissa",
     "kirjastolle", "kirjastot", "kirjastojen", "kirjastostakin"],
)  # fmt: skip
def test_finnish_cases_share_the_stem(inflected: str) -> None:
    assert stem_fi(inflected) == "kirjasto"
    assert finds("kirjasto", f"Asiakkaat odottavat {inflected} iltaisin", "fi")
    assert finds(inflected, "Kirjasto on auki", "fi")


@pytest.mark.parametrize(
    "inflected", ["bibliotek", "biblioteket", "biblioteken", "bibliotekens", "bibliotekets"]
)
def test_swedish_definite_and_plural_forms_share_the_stem(inflected: str) -> None:
    assert stem_sv(inflected) == "bibliotek"
    assert finds("bibliotek", f"Öppettider på {inflected} på kvällen", "sv")
    assert finds(inflected, "Ett bibliotek för alla", "sv")


def test_unrelated_words_are_not_found() -> None:
    assert not finds("uimahalli", "Kirjasto on auki iltaisin", "fi")
    assert not finds("skola", "Biblioteket på kvällen", "sv")


def test_stopwords_and_repeats_are_dropped_from_queries() -> None:
    assert query_words("Kirjasto ja kirjasto och the museo") == ["kirjasto", "museo"]


def test_stored_terms_are_space_delimited_stems() -> None:
    assert stored_terms("Kirjastossa on kirjoja", "fi") == " kirjasto kirjo "
    assert stored_terms("ja och the", "fi") == ""


def test_trigram_similarity_is_pg_trgm_similarity() -> None:
    # SELECT similarity('kirjasto', 'kirjastossa') → 0.61538464 on PostgreSQL 15.
    assert trigram_similarity("kirjasto", "kirjastossa") == pytest.approx(8 / 13)
    assert trigram_similarity("Kirjasto", "kirjasto") == 1.0


def test_a_reworded_idea_is_similar_and_an_unrelated_one_is_not() -> None:
    title = "Omatoimikirjasto iltaisin"
    body = "Kirjasto auki kulkukortilla iltaisin kello 20-22"
    assert idea_similarity(title, title=title, body=body, language="fi") == 1.0
    assert idea_similarity("kirjastot auki iltaisin", title=title, body=body, language="fi") > 0.5
    assert idea_similarity("Uimahallin kahvio", title=title, body=body, language="fi") < 0.3


text = st.text(st.characters(codec="utf-8", categories=("L", "N", "Zs", "P")), max_size=120)


@given(text, text, text, st.sampled_from(["fi", "sv", "en"]))
def test_similarity_is_between_0_and_1(query: str, title: str, body: str, lang: str) -> None:
    score = idea_similarity(query, title=title, body=body, language=lang)
    assert 0.0 <= score <= 1.0
    assert 0.0 <= trigram_similarity(query, title) <= 1.0


@given(text, st.sampled_from(["fi", "sv", "en"]))
def test_every_word_of_a_text_finds_the_text(doc: str, lang: str) -> None:
    for word in query_words(doc):
        assert finds(word, doc, lang), word


@given(st.text(max_size=300))
def test_words_are_safe_in_like_patterns_and_tsquery(raw: str) -> None:
    for word in query_words(raw):
        assert word and not set(word) & set("%_\\'\":&|!()<>*  ")
