"""Search terms of an idea and similarity of ideas.

The words themselves (lemmas, compound parts, stopwords) come from ``ideapaja_search.analysis``,
shared with review so that a query finds the same inflected forms in both services. An idea
stores its lemmas in ``search_terms`` and its compound parts in ``search_parts``
(``analysis.stored_terms``): SQLite matches them with LIKE, PostgreSQL through a GIN-indexed
tsvector of the same two columns (lemmas weighted A, parts D): both databases find the same ideas.
"""

from __future__ import annotations

from ideapaja_search.analysis import analyse, words


def document_terms(text: str, language: str) -> list[str]:
    """The distinct lemmas of a text in its own language, in order of first appearance."""
    return list(analyse(text, language).lemmas)


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
