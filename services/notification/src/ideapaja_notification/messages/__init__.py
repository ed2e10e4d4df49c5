"""Messages in the reader's language: each kind is a Jinja2 template (``templates/<kind>.jinja``:
a subject, the inbox's short text, and the content between the greeting and the signature),
its texts English msgids translated through gettext catalogs (``locale/``, see ``catalogs.py``).

The same template renders the e-mail's plain text and its HTML part; the HTML environment
autoescapes, so a title or rationale with markup in it is shown, never interpreted.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, Template, TemplateError
from markupsafe import Markup, escape

from ideapaja_notification.domain.kinds import LANGUAGES, Language, TemplateId
from ideapaja_notification.domain.notices import Draft, Notice
from ideapaja_notification.domain.values import FieldValue
from ideapaja_notification.messages.catalogs import CATALOGS
from ideapaja_notification.messages.labels import localize

SUMMARY_MAX = 300
_HTML_PAGE = (
    '<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8"><title>{subject}</title>'
    "</head>\n<body>\n{body}</body></html>\n"
)


@dataclass(frozen=True)
class RenderedMessage:
    subject: str
    text: str
    html: str
    # One or two sentences for the in-app inbox (the subject is its title).
    summary: str


def _text_paragraph(text: str) -> str:
    return f"{text}\n\n"


def _html_paragraph(text: str) -> Markup:
    lines = escape(text).split("\n")
    return Markup("<p>{}</p>\n").format(Markup("<br>\n").join(lines))


def _text_heading(text: str) -> str:
    return f"{text}\n{'=' * len(text)}\n\n"


def _html_heading(text: str) -> Markup:
    return Markup("<h2>{}</h2>\n").format(text)


@cache
def environment(language: Language, html: bool) -> Environment:
    """One environment per language and part, with that language's catalog installed."""
    env = Environment(
        loader=PackageLoader("ideapaja_notification.messages", "templates"),
        # The plain-text part is no markup: nothing to escape there (the HTML part escapes).
        autoescape=html,  # noqa: S701
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        keep_trailing_newline=False,
        # Templates ship with the package and never change while it runs: no file check per
        # message (with auto_reload every lookup asks the loader whether the file changed).
        auto_reload=False,
    )
    env.install_gettext_translations(CATALOGS.translations(language), newstyle=True)  # type: ignore[attr-defined]
    env.globals["para"] = _html_paragraph if html else _text_paragraph
    env.globals["heading"] = _html_heading if html else _text_heading
    return env


@cache
def _template(language: Language, html: bool, name: str) -> Template:
    return environment(language, html).get_template(f"{name}.jinja")


def _block(template: Template, name: str, values: Mapping[str, Any]) -> str:
    text = "".join(template.blocks[name](template.new_context(dict(values))))
    return " ".join(text.split())


def render(
    template: TemplateId, language: Language, fields: Mapping[str, FieldValue]
) -> RenderedMessage:
    """``template`` in ``language`` with ``fields`` (each as it reads in that language)."""
    texts = CATALOGS.translations(language)
    values = {key: localize(value, language, texts) for key, value in fields.items()}
    return render_file(template.value, language, values)


def render_file(name: str, language: Language, values: Mapping[str, Any]) -> RenderedMessage:
    """``templates/<name>.jinja`` in ``language`` with ``values`` (already as they read)."""
    plain = _template(language, False, name)
    # A subject is one line: a title with a line break must not inject headers or fold oddly.
    subject = _block(plain, "subject", values)
    text = plain.render(values).rstrip("\n")
    html = _HTML_PAGE.format(
        lang=language,
        subject=escape(subject),
        body=_template(language, True, name).render(values),
    )
    return RenderedMessage(subject, text, html, _shorten(_block(plain, "summary", values)))


def _shorten(text: str) -> str:
    """An inbox text is short: a long rationale is cut at a word, with an ellipsis."""
    if len(text) <= SUMMARY_MAX:
        return text
    return text[: SUMMARY_MAX - 1].rsplit(" ", 1)[0] + "\u2026"


class MessageTemplateError(Exception):
    """A message kind's template failed to render (a broken template or catalog entry, a field
    it lacks). The event's consumer retries and then dead-letters it with this reason, naming
    the kind and language; the service goes on with other events."""

    def __init__(self, template: TemplateId, language: Language, error: Exception) -> None:
        super().__init__(
            f"template {template.value} ({language}) failed: {type(error).__name__}: {error}"
        )


def render_draft(draft: Draft) -> Notice:
    """The notice ``draft`` describes, written in its recipient's language."""
    person = draft.recipient
    fields = {"name": person.display_name, **draft.fields}
    try:
        message = render(draft.template, draft.language, fields)
    except (TemplateError, KeyError, ValueError, TypeError) as exc:
        # KeyError etc.: a translation whose %(placeholders)s do not match its msgid.
        raise MessageTemplateError(draft.template, draft.language, exc) from exc
    return Notice(
        person_id=person.person_id,
        template=draft.template,
        language=draft.language,
        address=person.email,
        subject=message.subject,
        body=message.text,
        html=message.html,
        summary=message.summary,
        link=draft.link,
    )


__all__ = [
    "LANGUAGES",
    "MessageTemplateError",
    "RenderedMessage",
    "render",
    "render_draft",
    "render_file",
]
