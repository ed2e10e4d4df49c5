"""Messages in the reader's language: each kind is a Jinja2 template (``templates/<kind>.jinja``:
a subject, the inbox's short text, and the content between the greeting and the signature),
its texts English msgids translated through gettext catalogs (``locale/``, see ``catalogs.py``).

The same template renders the e-mail's plain text and its HTML part; the HTML environment
autoescapes, so a title or rationale with markup in it is shown, never interpreted.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, Template, TemplateError
from jinja2.runtime import Context
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


# The HTML part's paragraphs and headings are built as strings from the escaped text (the same
# markup ``Markup.format`` and ``Markup.join`` gave, which escaped and wrapped every piece again:
# about a quarter of a message's rendering).
def _html_paragraph(text: str) -> Markup:
    escaped = str(escape(text))
    return Markup("<p>" + escaped.replace("\n", "<br>\n") + "</p>\n")  # noqa: S704 - escaped


def _text_heading(text: str) -> str:
    return f"{text}\n{'=' * len(text)}\n\n"


def _html_heading(text: str) -> Markup:
    return Markup("<h2>" + str(escape(text)) + "</h2>\n")  # noqa: S704 - escaped


def _gettext(translate: Callable[[str], str], html: bool) -> Callable[..., str]:
    """``_(msgid, **variables)``: the translation, always a %-format of ``variables`` (escaped
    into the HTML part, as autoescaping does)."""

    def gettext(msgid: str, **variables: Any) -> str:
        text = translate(msgid)
        return (Markup(text) if html else text) % variables  # noqa: S704 - a catalog's text

    return gettext


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
    translations = CATALOGS.translations(language)
    env.install_gettext_translations(translations, newstyle=True)  # type: ignore[attr-defined]
    # ``_`` as the extension's newstyle gettext computes it, as a plain function: the
    # extension's goes through the template context three times per text (an alias, then
    # gettext, then the catalog), a third of a message's rendering.
    env.globals["_"] = _gettext(translations.gettext, html)
    env.globals["para"] = _html_paragraph if html else _text_paragraph
    env.globals["heading"] = _html_heading if html else _text_heading
    return env


@cache
def _template(language: Language, html: bool, name: str) -> Template:
    return environment(language, html).get_template(f"{name}.jinja")


def _block(template: Template, name: str, context: Context) -> str:
    text = "".join(template.blocks[name](context))
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
    # One context for the plain part's two blocks and its body (``Template.render`` makes one
    # per call): the blocks only read it, and the body renders from it as it would from its own.
    context = plain.new_context(dict(values))
    # A subject is one line: a title with a line break must not inject headers or fold oddly.
    subject = _block(plain, "subject", context)
    summary = _shorten(_block(plain, "summary", context))
    text = _rendered(plain, context).rstrip("\n")
    html = _HTML_PAGE.format(
        lang=language,
        subject=escape(subject),
        body=_template(language, True, name).render(values),
    )
    return RenderedMessage(subject, text, html, summary)


def _rendered(template: Template, context: Context) -> str:
    """``template.render`` from a context made already; a template error is reported as
    ``render`` reports it (with the template's line)."""
    try:
        return template.environment.concat(template.root_render_func(context))
    except Exception:
        template.environment.handle_exception()  # re-raises it, rewritten


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
