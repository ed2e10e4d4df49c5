"""Words of an idea as search sees them: tokens, light Finnish/Swedish/English stems, similarity.

PostgreSQL searches with its own Snowball configurations ('finnish', 'swedish', 'english'); these
functions add the same idea in pure Python so that
- SQLite (the embedded default) can search by stems stored with each idea, and
- PostgreSQL also finds what its Swedish stemmer leaves alone: Snowball keeps the definite
  '-et' ("biblioteket" stays "biblioteket"), which would miss "bibliotek".
The stemmers are deliberately small suffix strippers, not linguistics: the query and the text go
through the same function, and queries match stems by prefix, so consistency is what counts.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable

LANGUAGES = ("fi", "sv", "en")

# Letters only (no digits, no underscore): tokens are then safe inside LIKE patterns and
# tsquery text without escaping.
_WORD = re.compile(r"[^\W\d_]+|\d+")
MAX_QUERY_WORDS = 8
MIN_STEM = 3

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

# Longest first; each list is tried in order and the first suffix that leaves a long enough
# stem is removed (once more for Finnish, whose clitics and possessives stack on cases).
_FI_CLITICS = ("kaan", "kään", "kin", "han", "hän", "pa", "pä", "ko", "kö")
_FI_POSSESSIVES = ("nsa", "nsä", "mme", "nne", "ni", "si")
_FI_CASES = (
    "issa", "issä", "ista", "istä", "illa", "illä", "ilta", "iltä", "ille", "iksi", "ihin",
    "seen", "siin", "ssa", "ssä", "sta", "stä", "lla", "llä", "lta", "ltä", "lle", "ksi",
    "tta", "ttä", "ien", "jen", "ina", "inä", "ita", "itä", "iin", "ja", "jä", "na", "nä",
    "n", "t", "a", "ä",
)  # fmt: skip
_FI_ILLATIVE = re.compile(r"([aeiouyäö])\1n$")  # kirjastoon → kirjasto, taloon → talo
_SV_SUFFIXES = (
    "heterna", "hetens", "arnas", "ernas", "ornas", "andes", "arens", "heten", "heter",
    "andet", "arna", "erna", "orna", "ande", "arne", "aste", "aren", "ades", "erns", "ens",
    "ets", "ade", "are", "ast", "het", "ern", "ar", "er", "or", "en", "et", "an", "as", "es",
    "at", "a", "e", "s",
)  # fmt: skip
_EN_SUFFIXES = ("ations", "ation", "ings", "ing", "ies", "ied", "es", "ed", "ly", "s")


def normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def words(text: str) -> list[str]:
    """Lower-case words (letters or digit runs) in order of appearance."""
    return _WORD.findall(normalise(text))


def _strip(word: str, suffixes: Iterable[str]) -> str:
    for suffix in suffixes:
        if word.endswith(suffix) and len(word) - len(suffix) >= MIN_STEM + 1:
            return word[: -len(suffix)]
    return word


def stem_fi(word: str) -> str:
    word = _strip(word, _FI_CLITICS)
    word = _strip(word, _FI_POSSESSIVES)
    illative = _FI_ILLATIVE.search(word)
    if illative and len(word) - 2 >= MIN_STEM + 1:
        return word[:-2]
    return _strip(word, _FI_CASES)


def stem_sv(word: str) -> str:
    return _strip(word, _SV_SUFFIXES)


def stem_en(word: str) -> str:
    return _strip(word, _EN_SUFFIXES)


_STEMMERS = {"fi": stem_fi, "sv": stem_sv, "en": stem_en}


@functools.lru_cache(maxsize=65_536)
def stem(word: str, language: str) -> str:
    """Remembered: a city's ideas use a few thousand words over and over, and every submission,
    edit and similar-ideas query stems all of them."""
    return _STEMMERS.get(language, stem_fi)(word) if not word.isdigit() else word


def document_terms(text: str, language: str) -> list[str]:
    """The distinct stems of a text in its own language, in order of first appearance."""
    seen: dict[str, None] = {}
    for word in words(text):
        if word not in STOPWORDS:
            seen.setdefault(stem(word, language), None)
    return list(seen)


def stored_terms(text: str, language: str) -> str:
    """What an idea stores for SQLite search: stems between spaces, so ``LIKE '% stem%'``
    matches a stem's prefix at a word start."""
    terms = document_terms(text, language)
    return f" {' '.join(terms)} " if terms else ""


def query_words(query: str) -> list[str]:
    """The words a search looks for (stopwords dropped, at most ``MAX_QUERY_WORDS``)."""
    found: dict[str, None] = {}
    for word in words(query):
        if word not in STOPWORDS:
            found.setdefault(word, None)
    return list(found)[:MAX_QUERY_WORDS]


def query_alternatives(word: str) -> list[str]:
    """Stems a query word may have in any of the languages (the query's language is unknown);
    a document matches the word when one of its stems starts with one of these."""
    return sorted({stem(word, language) for language in LANGUAGES})


# --- similarity ---------------------------------------------------------------------------------


def trigrams(text: str) -> set[str]:
    """Trigrams as PostgreSQL's pg_trgm counts them: each word padded with two spaces in front
    and one behind, so short words and word starts count."""
    grams: set[str] = set()
    for word in words(text):
        padded = f"  {word} "
        grams.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return grams


def jaccard(a: set[str], b: set[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def trigram_similarity(a: str, b: str) -> float:
    """pg_trgm's ``similarity(a, b)``: shared trigrams over all trigrams."""
    return jaccard(trigrams(a), trigrams(b))


def idea_similarity(text: str, *, title: str, body: str, language: str) -> float:
    """How much an existing idea looks like what an author is typing, from 0 to 1.

    The best of: the titles' trigram similarity (typos, compounds), the Jaccard index of the
    stems of the text and the title, and the share of the text's stems found anywhere in the idea
    (damped, as a long idea contains many words).
    """
    query_terms = set(document_terms(text, language))
    if not query_terms:
        return 0.0
    title_terms = set(document_terms(title, language))
    idea_terms = title_terms | set(document_terms(body, language))
    contained = len(query_terms & idea_terms) / len(query_terms)
    score = max(
        trigram_similarity(text, title),
        jaccard(query_terms, title_terms),
        0.8 * contained,
    )
    return round(min(1.0, score), 4)
