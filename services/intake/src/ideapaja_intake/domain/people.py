"""Finding colleagues by name: what a name and a typed query are reduced to, so that a search is
blind to case and accents ("kor" finds "Leena Korhonen", "ahl" finds "Åhlund") and matches the
start of any part of a name. Stored as words (db/people.py); no I/O here."""

from __future__ import annotations

import re
import unicodedata

# Longest stored word (the column's length) and most words kept per name; a typed query keeps
# at most QUERY_WORDS words, and needs one of at least QUERY_MIN_LETTERS letters.
WORD_MAX = 64
NAME_WORDS_MAX = 12
QUERY_WORDS = 5
QUERY_MIN_LETTERS = 2
NAME_KEY_MAX = 200

# Letters that Unicode does not decompose into a base letter and an accent.
_FOLDS = str.maketrans({"ø": "o", "æ": "ae", "œ": "oe", "ð": "d", "þ": "th", "ł": "l", "đ": "d"})
_SEPARATORS = re.compile(r"[\W_]+")


def folded(text: str) -> str:
    """``text`` in lower case without accents: "Åhlund-Öberg" → "ahlund-oberg"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_FOLDS))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).translate(_FOLDS)


def words(text: str) -> list[str]:
    """The parts of a name or query, folded, in order, each once: "Anna-Liisa Åhlund" →
    ["anna", "liisa", "ahlund"]."""
    found = (w[:WORD_MAX] for w in _SEPARATORS.split(folded(text)) if w)
    return list(dict.fromkeys(found))


def name_words(display_name: str) -> list[str]:
    """The words a person is found by."""
    return words(display_name)[:NAME_WORDS_MAX]


def name_key(display_name: str) -> str:
    """The order people are listed in: their folded name ("leena korhonen")."""
    return " ".join(words(display_name))[:NAME_KEY_MAX]


def query_words(query: str) -> list[str] | None:
    """The prefixes a query asks for, longest first (the first one is looked up in the index),
    or None if it has no word of at least QUERY_MIN_LETTERS letters."""
    typed = sorted(words(query)[:QUERY_WORDS], key=len, reverse=True)
    if not typed or len(typed[0]) < QUERY_MIN_LETTERS:
        return None
    return typed


def prefix_range(prefix: str) -> tuple[str, str]:
    """The words starting with ``prefix`` are those ``>= low`` and ``< high`` in code point
    order (binary collation), which an index answers: ("kor", "kos")."""
    return prefix, prefix[:-1] + chr(ord(prefix[-1]) + 1)
