"""Rendering a message kind in a language: subject, body (with the signature) and the inbox's
short text. The texts are in ``texts_decisions.py`` and ``texts_more.py``.

Templates are plain ``str.format`` text with named fields. Values are inserted as they are, so a
rationale that itself contains braces is harmless: only the template text is parsed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ideapaja_notification.domain.kinds import (
    DEFAULT_LANGUAGE,
    LANGUAGES,
    Language,
    Template,
    TemplateId,
    language_or_default,
)
from ideapaja_notification.domain.texts_decisions import (
    DECISIONS,
    IDEA_LINE,
    REWARD_REASONS,
    REWARDS,
)
from ideapaja_notification.domain.texts_more import AUTHORS, WORK

__all__ = [
    "DEFAULT_LANGUAGE",
    "IDEA_LINE",
    "LANGUAGES",
    "REWARD_REASONS",
    "TEMPLATES",
    "Language",
    "RenderedMessage",
    "Template",
    "TemplateId",
    "language_or_default",
    "render",
]

TEMPLATES: Mapping[TemplateId, Mapping[Language, Template]] = {
    **DECISIONS,
    **REWARDS,
    **AUTHORS,
    **WORK,
}


@dataclass(frozen=True)
class RenderedMessage:
    subject: str
    body: str
    # One or two sentences for the in-app inbox (the subject is its title).
    summary: str = ""


_SIGNATURE: Mapping[Language, str] = {
    "fi": (
        "\n\nYstävällisin terveisin\nIdeapaja\n\n"
        "Tämä on automaattinen viesti. Älä vastaa tähän viestiin."
    ),
    "sv": (
        "\n\nMed vänliga hälsningar\nIdeapaja\n\n"
        "Det här är ett automatiskt meddelande. Svara inte på det."
    ),
    "en": "\n\nKind regards\nIdeapaja\n\nThis is an automated message. Please do not reply.",
}


def render(template: TemplateId, language: str, **fields: str) -> RenderedMessage:
    """The subject, body and inbox text of ``template`` in ``language`` (Finnish if it is not
    one we have)."""
    lang = language_or_default(language)
    chosen = TEMPLATES[template][lang]
    # A subject is one line: a title with a line break must not inject headers or fold oddly.
    subject = " ".join(chosen.subject.format_map(fields).split())
    body = chosen.body.format_map(fields) + _SIGNATURE[lang]
    summary = " ".join(chosen.summary.format_map(fields).split())
    return RenderedMessage(subject=subject, body=body, summary=_shorten(summary))


SUMMARY_MAX = 300


def _shorten(text: str) -> str:
    """An inbox text is short: a long rationale is cut at a word, with an ellipsis."""
    if len(text) <= SUMMARY_MAX:
        return text
    return text[: SUMMARY_MAX - 1].rsplit(" ", 1)[0] + "\u2026"
