"""Words of a text as search sees them: lemmas (Finnish and Swedish through simplemma's
dictionaries, English by a small suffix stripper) and, for Finnish, the parts of compounds.

The text and the query go through the same functions, so "päiväkodissa" and "päiväkoti" meet at
the lemma "päiväkoti" (consonant gradation, which suffix stripping cannot follow), and "koti"
meets "päiväkoti" at its part "koti". Pure: no I/O but simplemma's dictionaries, mapped on first
use from the tries built once per machine (dictionaries.py: a few milliseconds and shared pages,
where simplemma's own low-memory backend cost every process 5.3 s and +65 MB); a process that
never analyses text never maps them. Every word is remembered (lru_cache).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from simplemma import Lemmatizer
from simplemma.strategies import DefaultStrategy, DictionaryLookupStrategy
from simplemma.utils import normalize_token

from ideapaja_search import dictionaries
from ideapaja_search.dictionaries import MappedTrieFactory

LANGUAGES = ("fi", "sv", "en")
# Languages simplemma lemmatises here; anything else (English) is stripped.
_DICTIONARY_LANGUAGES = frozenset(dictionaries.LANGUAGES)

# Letters only (no digits, no underscore) or digit runs: tokens are then safe inside LIKE
# patterns and tsquery text without escaping.
_WORD = re.compile(r"[^\W\d_]+|\d+")
MAX_QUERY_WORDS = 8
# Compound parts shorter than this are not indexed (nor split off).
MIN_PART = 3
# A word shorter than two parts cannot be a compound.
_MIN_COMPOUND = 2 * MIN_PART
# simplemma may guess a lemma by cutting a long "affix" off an unknown word ("lumenauraus" →
# "lumi"); a guess that drops more than this many letters is not believed.
_MAX_GUESSED_CUT = 4
_CACHE = 65_536

_STOPWORD_TEXT = (
    # Finnish
    "ja on ei se että kun jos tai mutta niin kuin myös ole olla ovat oli sen ne me te he "
    "hän minä sinä tämä tuo joka mikä kanssa vain jo nyt voi"
    # Swedish
    " och att det är som en ett i på för med av till den de om inte har var jag vi så men "
    "kan ska eller"
    # English
    " the and of to a an in on for with is are be it this that or by as at from"
)
STOPWORDS = frozenset(_STOPWORD_TEXT.split())

_EN_SUFFIXES = ("ations", "ation", "ings", "ing", "ies", "ied", "es", "ed", "ly", "s")


@dataclass(frozen=True)
class Terms:
    """What a text is found by: its distinct lemmas, and the parts of its compounds that are not
    lemmas of the text themselves (each in order of first appearance)."""

    lemmas: tuple[str, ...]
    parts: tuple[str, ...]


def normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def words(text: str) -> list[str]:
    """Lower-case words (letters or digit runs) in order of appearance."""
    return _WORD.findall(normalise(text))


def stem_en(word: str) -> str:
    for suffix in _EN_SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= MIN_PART + 1:
            return word[: -len(suffix)]
    return word


@functools.cache
def _simplemma() -> tuple[Lemmatizer, DictionaryLookupStrategy]:
    """simplemma's lemmatizer and dictionary lookup (what its ``lemmatize`` and ``is_known``
    use), on the mapped tries: the same dictionaries, so the same lemmas."""
    factory = MappedTrieFactory()
    strategy = DefaultStrategy(dictionary_factory=factory)
    return Lemmatizer(lemmatization_strategy=strategy), DictionaryLookupStrategy(factory)


def _known(word: str, language: str) -> bool:
    return _simplemma()[1].get_lemma(normalize_token(word), language) is not None


def load_dictionaries() -> None:
    """Map the Finnish and Swedish dictionaries now rather than on the first text analysed (or
    build them, if the install did not); services run this at start-up (ServiceSpec.warm_up)."""
    for language in sorted(_DICTIONARY_LANGUAGES):
        _known("a", language)


@functools.lru_cache(maxsize=_CACHE)
def lemma(word: str, language: str) -> str:
    """The dictionary form of ``word`` in ``language`` ("päiväkodeissa" → "päiväkoti",
    "biblioteken" → "bibliotek"); an unknown word stays as it is."""
    if word.isdigit():
        return word
    if language not in _DICTIONARY_LANGUAGES:
        return stem_en(word)
    found = _simplemma()[0].lemmatize(word, language).casefold()
    if not _WORD.fullmatch(found):
        return word  # a multi-word or punctuated dictionary entry: not a storable term
    if len(word) - len(found) > _MAX_GUESSED_CUT and not _known(word, language):
        return word
    return found


@functools.lru_cache(maxsize=_CACHE)
def compound_parts(word: str, language: str) -> tuple[str, ...]:
    """The parts of a Finnish compound, as lemmas ("päiväkoti" → päivä, koti;
    "kaupunginkirjasto" → kaupunki, kirjasto); () when it is not one.

    Greedy: the longest known head whose rest is a known base form (a compound inflects at its
    end, so the rest of a lemma is a base form); the rest is split again the same way.
    """
    if language != "fi" or len(word) < _MIN_COMPOUND or word.isdigit():
        return ()
    for cut in range(len(word) - MIN_PART, MIN_PART - 1, -1):
        head, rest = word[:cut], word[cut:]
        if not _known(head, language) or not _known(rest, language):
            continue
        rest_parts = compound_parts(rest, language) or (lemma(rest, language),)
        if rest_parts[-1] != lemma(rest_parts[-1], language):
            continue  # the rest is an inflected form, not where a compound ends
        return (lemma(head, language), *rest_parts)
    return ()


def analyse(text: str, language: str) -> Terms:
    """The lemmas and compound parts of a text in its own language (stopwords left out)."""
    lemmas: dict[str, None] = {}
    for word in words(text):
        if word not in STOPWORDS:
            lemmas.setdefault(lemma(word, language), None)
    parts: dict[str, None] = {}
    for found in lemmas:
        for part in compound_parts(found, language):
            if len(part) >= MIN_PART and part not in lemmas:
                parts.setdefault(part, None)
    return Terms(tuple(lemmas), tuple(parts))


def spaced(terms: Iterable[str]) -> str:
    """Terms between spaces, as stored: ``LIKE '% term %'`` matches a whole term and
    ``LIKE '% term%'`` a term's prefix."""
    joined = " ".join(terms)
    return f" {joined} " if joined else ""


def stored_terms(*texts: str, language: str) -> tuple[str, str]:
    """What a searchable row stores for its texts (an idea's title, problem, solution and
    benefit): its lemmas and its compound parts, each ``spaced``."""
    terms = analyse("\n".join(texts), language)
    return spaced(terms.lemmas), spaced(terms.parts)


def query_words(query: str) -> list[str]:
    """The words a search looks for (stopwords dropped, at most ``MAX_QUERY_WORDS``)."""
    found: dict[str, None] = {}
    for word in words(query):
        if word not in STOPWORDS:
            found.setdefault(word, None)
    return list(found)[:MAX_QUERY_WORDS]


@functools.lru_cache(maxsize=_CACHE)
def query_alternatives(word: str) -> tuple[str, ...]:
    """Lemmas a query word may have in any of the languages (the query's language is unknown);
    a text matches the word when one of its terms is one of these."""
    return tuple(sorted({lemma(word, language) for language in LANGUAGES}))
