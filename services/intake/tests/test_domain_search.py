"""What an idea stores for search; similarity is bounded. (Lemmas and compound parts
themselves: search/tests/test_analysis.py.)"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ideapaja_intake.domain.search import idea_similarity, trigram_similarity
from ideapaja_search.analysis import stored_terms


def test_an_idea_stores_its_lemmas_and_compound_parts_apart() -> None:
    terms, parts = stored_terms("Päiväkodissa", "Kirjastossa on kirjoja", "", "", language="fi")
    assert terms == " päiväkoti kirjasto kirja "
    assert parts == " päivä koti "
    assert stored_terms("ja", "och", "the", "", language="fi") == ("", "")


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


@settings(deadline=None)  # the first example loads the dictionaries
@given(text, text, text, st.sampled_from(["fi", "sv", "en"]))
def test_similarity_is_between_0_and_1(query: str, title: str, body: str, lang: str) -> None:
    score = idea_similarity(query, title=title, body=body, language=lang)
    assert 0.0 <= score <= 1.0
    assert 0.0 <= trigram_similarity(query, title) <= 1.0
