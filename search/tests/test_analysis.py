"""Lemmas and compound parts: inflected forms whose stem changes meet their base form, compounds
are found by their parts, and every term is safe in LIKE patterns and tsquery text."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ideapaja_search.analysis import (
    analyse,
    compound_parts,
    lemma,
    query_alternatives,
    query_words,
    spaced,
)

pytestmark = pytest.mark.unit


def finds(query_word: str, text: str, language: str) -> bool:
    """Exact tier: one of the query word's alternatives is a lemma of the text."""
    lemmas = analyse(text, language).lemmas
    return any(alt in lemmas for alt in query_alternatives(query_word))


@pytest.mark.parametrize(
    ("inflected", "base"),
    [("päiväkodissa", "päiväkoti"), ("päiväkodeissa", "päiväkoti"), ("kirjastossa", "kirjasto"),
     ("kirjastoon", "kirjasto"), ("kirjastoissa", "kirjasto"), ("asukkaiden", "asukas"),
     ("uimahallissa", "uimahalli")],
)  # fmt: skip
def test_finnish_forms_meet_their_lemma_through_consonant_gradation(
    inflected: str, base: str
) -> None:
    assert lemma(inflected, "fi") == base
    assert finds(base, f"Asiakkaat odottavat {inflected} iltaisin", "fi")
    assert finds(inflected, f"{base.capitalize()} on auki", "fi")


@pytest.mark.parametrize("inflected", ["bibliotek", "biblioteket", "biblioteken", "biblioteks"])
def test_swedish_definite_and_plural_forms_meet_their_lemma(inflected: str) -> None:
    assert lemma(inflected, "sv") == "bibliotek"
    assert finds("bibliotek", f"Öppettider på {inflected} på kvällen", "sv")


def test_english_is_stripped_not_looked_up() -> None:
    assert lemma("openings", "en") == "open"
    assert finds("opening", "Longer openings at the library", "en")


@pytest.mark.parametrize(
    ("compound", "parts"),
    [("päiväkoti", ("päivä", "koti")), ("kaupunginkirjasto", ("kaupunki", "kirjasto")),
     ("sähköpotkulauta", ("sähkö", "potku", "lauta")), ("kirjasto", ()), ("koti", ())],
)  # fmt: skip
def test_finnish_compounds_split_into_known_lemmas(compound: str, parts: tuple[str, ...]) -> None:
    assert compound_parts(compound, "fi") == parts


def test_parts_are_indexed_apart_from_lemmas_and_never_short() -> None:
    terms = analyse("Päiväkodissa on koti-ikävä, kaupunginkirjastossa ei", "fi")
    assert terms.lemmas[0] == "päiväkoti"
    assert "koti" in terms.lemmas  # a lemma of the text itself is not repeated as a part
    assert "koti" not in terms.parts
    assert {"päivä", "kaupunki", "kirjasto"} <= set(terms.parts)
    assert all(len(part) >= 3 for part in terms.parts)
    assert compound_parts("päiväkoti", "sv") == ()  # Finnish only


def test_unknown_words_are_kept_not_guessed_short() -> None:
    assert lemma("lumenauraus", "fi") == "lumenauraus"
    assert lemma("xqzzyplörp", "fi") == "xqzzyplörp"


def test_stopwords_and_repeats_are_dropped_from_queries() -> None:
    assert query_words("Kirjasto ja kirjasto och the museo") == ["kirjasto", "museo"]
    assert analyse("ja och the", "fi").lemmas == ()
    assert spaced(()) == ""
    assert spaced(("a", "b")) == " a b "


text = st.text(alphabet="abcdefghijklmnopqrstuvwxyzåäö ,.", min_size=1, max_size=120)


@settings(deadline=None)  # the first example loads the dictionaries
@given(text, st.sampled_from(["fi", "sv", "en"]))
def test_every_word_of_a_text_finds_the_text(doc: str, lang: str) -> None:
    for word in query_words(doc):
        assert finds(word, doc, lang), word


@settings(deadline=None)  # the first example loads the dictionaries
@given(st.text(max_size=300), st.sampled_from(["fi", "sv", "en"]))
def test_terms_are_safe_in_like_patterns_and_tsquery(raw: str, lang: str) -> None:
    terms = analyse(raw, lang)
    asked = [alt for word in query_words(raw) for alt in query_alternatives(word)]
    for word in (*terms.lemmas, *terms.parts, *asked):
        assert word and not set(word) & set("%_\\'\":&|!()<>*  ")
