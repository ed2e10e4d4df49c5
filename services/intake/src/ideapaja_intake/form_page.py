"""The embeddable idea form as server-rendered HTML (fi/sv/en): works without JavaScript, has no
inline script, and its only inline style is allowed by hash in the Content-Security-Policy."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping, Sequence
from html import escape
from urllib.parse import quote, urlencode, urlsplit

from ideapaja_intake.db.models import Unit
from ideapaja_intake.domain.categories import BENEFIT_LABELS, Category
from ideapaja_intake.domain.cors import normalise_origin
from ideapaja_intake.domain.i18n import LANGUAGE_NAMES, LANGUAGES
from ideapaja_intake.domain.submission import (
    BENEFIT_MAX,
    TEXT_MAX,
    TITLE_MAX,
    TITLE_MIN,
    BenefitKind,
)
from ideapaja_intake.form_co_authors import CO_AUTHORS_STYLE, co_authors_section
from ideapaja_intake.schemas.people import PersonPublic
from ideapaja_intake.texts import page_texts

FORM_PATH = "/embed/idea-form"
# The page's only script (a file, never inline): tells a framing intranet page its height, and
# finds co-authors by name as they are typed (form_co_authors.py).
SCRIPT_PATH = "/embed/static/idea-form.js"

STYLE = (
    """
body{font-family:system-ui,sans-serif;margin:0;padding:1rem;color:#1b1b1b;background:#fff}
main{max-width:44rem;margin:0 auto}
label,legend{display:block;font-weight:600;margin-top:1rem}
input[type=text],textarea,select{width:100%;box-sizing:border-box;padding:.5rem;font:inherit}
textarea{min-height:6rem}
fieldset{border:0;padding:0;margin:0}
fieldset label{font-weight:400;display:inline-block;margin-right:1rem}
.error{color:#a00000;font-weight:600}
.errors{border-left:4px solid #a00000;padding-left:1rem}
button{margin-top:1.5rem;padding:.6rem 1.2rem;font:inherit}
nav a{margin-right:.75rem}
"""
    + CO_AUTHORS_STYLE
)
STYLE_HASH = "sha256-" + base64.b64encode(hashlib.sha256(STYLE.encode()).digest()).decode()


def content_security_policy(*, thank_you_url: str | None, frame_ancestors: Sequence[str]) -> str:
    form_targets = ["'self'"]
    if thank_you_url:
        target = normalise_origin(
            f"{urlsplit(thank_you_url).scheme}://{urlsplit(thank_you_url).netloc}"
        )
        if target:
            form_targets.append(target)
    ancestors = ["'self'", *(o for o in (normalise_origin(a) for a in frame_ancestors) if o)]
    return "; ".join(
        [
            "default-src 'none'",
            "script-src 'self'",
            # The co-author search: GET /ideas/form/people on intake itself.
            "connect-src 'self'",
            f"style-src '{STYLE_HASH}'",
            f"form-action {' '.join(form_targets)}",
            f"frame-ancestors {' '.join(ancestors)}",
            "base-uri 'none'",
        ]
    )


def _page(lang: str, title: str, body: str, parent_origins: Sequence[str] = ()) -> str:
    """A page; framed by one of ``parent_origins``, its script posts its height there."""
    origins = " ".join(o for o in (normalise_origin(a) for a in parent_origins) if o)
    script = (
        f'<script src="{SCRIPT_PATH}" data-parent-origins="{escape(origins)}" defer></script>\n'
    )
    return (
        f'<!doctype html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="referrer" content="no-referrer">\n'
        f"<title>{escape(title)}</title>\n<style>{STYLE}</style>\n{script}</head>\n"
        f"<body>\n<main>\n{body}\n</main>\n</body>\n</html>\n"
    )


def message_page(
    lang: str, text_key: str, *, detail: str = "", parent_origins: Sequence[str] = ()
) -> str:
    texts = page_texts(lang)
    extra = f"<p>{escape(detail)}</p>" if detail else ""
    return _page(
        lang,
        texts["heading"],
        f"<h1>{escape(texts['heading'])}</h1>\n<p>{escape(texts[text_key])}</p>{extra}",
        parent_origins,
    )


def thank_you_page(
    lang: str, idea_id: str, *, portal_url: str | None, parent_origins: Sequence[str] = ()
) -> str:
    """Thanks, and where the person follows the idea: the portal's page of it (opened outside
    the frame), or its id when no portal is configured."""
    texts = page_texts(lang)
    if portal_url:
        href = f"{portal_url.rstrip('/')}/ideas/{quote(idea_id)}"
        follow = (
            f"<p>{escape(texts['thanks_follow'])} "
            f'<a href="{escape(href)}" target="_top">{escape(texts["thanks_link"])}</a></p>\n'
        )
    else:
        follow = ""
    return _page(
        lang,
        texts["thanks"],
        f"<h1>{escape(texts['thanks'])}</h1>\n{follow}"
        f"<p>{escape(texts['thanks_id'])} <code>{escape(idea_id)}</code></p>",
        parent_origins,
    )


def _unit_name(unit: Unit, lang: str) -> str:
    return {"sv": unit.name_sv, "en": unit.name_en}.get(lang) or unit.name_fi


def _error(errors: Mapping[str, str], name: str) -> str:
    message = errors.get(name)
    return f'<p class="error" id="{name}-error">{escape(message)}</p>' if message else ""


def _invalid(errors: Mapping[str, str], name: str) -> str:
    return f' aria-invalid="true" aria-describedby="{name}-error"' if name in errors else ""


def form_page(
    *,
    lang: str,
    form_token: str,
    units: Sequence[Unit],
    categories: Sequence[Category],
    attachment_types: Sequence[str],
    values: Mapping[str, object] | None = None,
    errors: Mapping[str, str] | None = None,
    parent_origins: Sequence[str] = (),
    co_authors: Sequence[PersonPublic] = (),
    people_query: str = "",
    people_found: Sequence[PersonPublic] | None = None,
    more_found: bool = False,
) -> str:
    """The form; after a refused submission or a co-author search, with what was typed (the
    chosen co-authors by name) and a message per field; after a search, with its matches."""
    texts = page_texts(lang)
    shown: dict[str, object] = {"language": lang, **(values or {})}
    errors = errors or {}

    def value(name: str) -> str:
        raw = shown.get(name, "")
        if isinstance(raw, list):
            raw = " ".join(str(v) for v in raw)
        return escape(str(raw or ""))

    def selected(name: str, option: str) -> str:
        current = shown.get(name)
        chosen = option in current if isinstance(current, list) else current == option
        return " selected" if chosen else ""

    def checked(name: str, option: str) -> str:
        current = shown.get(name)
        chosen = option in current if isinstance(current, list) else current == option
        return " checked" if chosen else ""

    links = " ".join(
        f'<a href="{FORM_PATH}?{escape(urlencode({"form_token": form_token, "language": code}))}"'
        f' hreflang="{code}" lang="{code}">{LANGUAGE_NAMES[code]}</a>'
        for code in LANGUAGES
        if code != lang
    )
    summary = ""
    if errors:
        items = "".join(
            f"<li>{escape(texts.get(name, name))}: {escape(message)}</li>"
            for name, message in errors.items()
        )
        summary = (
            f'<div class="errors" role="alert"><p>{escape(texts["errors"])}</p>'
            f"<ul>{items}</ul></div>"
        )
    benefit_boxes = "".join(
        f'<label><input type="checkbox" name="benefit_kinds" value="{kind.value}"'
        f"{checked('benefit_kinds', kind.value)}> {escape(BENEFIT_LABELS[kind][lang])}</label>"
        for kind in BenefitKind
    )
    category_options = f'<option value="">{escape(texts["no_category"])}</option>' + "".join(
        f'<option value="{escape(c.id)}"{selected("category", c.id)}>'
        f"{escape(c.label(lang))}</option>"
        for c in categories
    )
    scope_radios = "".join(
        f'<label><input type="radio" name="scope" value="{scope}" required'
        f"{checked('scope', scope)}> {escape(texts['scope_' + scope])}</label>"
        for scope in ("unit", "department", "city")
    )
    unit_options = '<option value=""></option>' + "".join(
        f'<option value="{escape(u.id)}"{selected("unit_id", u.id)}>'
        f"{escape(_unit_name(u, lang))}</option>"
        for u in units
    )
    language_options = "".join(
        f'<option value="{code}"{selected("language", code)}>{LANGUAGE_NAMES[code]}</option>'
        for code in LANGUAGES
    )
    anonymous = " checked" if shown.get("anonymous") in (True, "on", "true") else ""

    def label(name: str, *, required: bool = False) -> str:
        star = " *" if required else ""
        return f'<label for="{name}">{escape(texts[name])}{star}</label>'

    def textarea(name: str, maximum: int, *, required: bool) -> str:
        need = " required" if required else ""
        return (
            f"{label(name, required=required)}\n"
            f'<textarea id="{name}" name="{name}"{need} maxlength="{maximum}"'
            f"{_invalid(errors, name)}>{value(name)}</textarea>\n{_error(errors, name)}"
        )

    def select(name: str, options: str, *, required: bool = False) -> str:
        need = " required" if required else ""
        return (
            f"{label(name, required=required)}\n"
            f'<select id="{name}" name="{name}"{need}{_invalid(errors, name)}>{options}</select>'
            f"\n{_error(errors, name)}"
        )

    title_input = (
        f'{label("title", required=True)}\n<input type="text" id="title" name="title" required'
        f' minlength="{TITLE_MIN}" maxlength="{TITLE_MAX}" value="{value("title")}"'
        f"{_invalid(errors, 'title')}>\n{_error(errors, 'title')}"
    )
    co_authors_input = co_authors_section(
        lang=lang,
        texts=texts,
        chosen=co_authors,
        query=people_query,
        matches=people_found,
        more=more_found,
        error=errors.get("co_author_query"),
    ) + _error(errors, "co_author_ids")
    anonymous_box = (
        f'<label><input type="checkbox" name="anonymous" value="on"{anonymous}> '
        f"{escape(texts['anonymous'])}</label>"
    )
    attachment_input = (
        f'{label("attachment")}\n<input type="file" id="attachment" name="attachment"'
        f' accept="{escape(",".join(attachment_types))}"{_invalid(errors, "attachment")}>\n'
        f"{_error(errors, 'attachment')}"
    )
    body = "\n".join(
        [
            f"<h1>{escape(texts['heading'])}</h1>",
            f"<nav>{links}</nav>",
            f"<p>{escape(texts['intro'])}</p>",
            summary,
            f'<form method="post" action="{FORM_PATH}" enctype="multipart/form-data"'
            ' accept-charset="utf-8">',
            f'<input type="hidden" name="form_token" value="{escape(form_token)}">',
            f'<input type="hidden" name="lang" value="{lang}">',
            title_input,
            textarea("problem", TEXT_MAX, required=True),
            textarea("solution", TEXT_MAX, required=True),
            textarea("benefit", BENEFIT_MAX, required=False),
            f"<fieldset><legend>{escape(texts['benefit_kinds'])}</legend>{benefit_boxes}"
            "</fieldset>",
            _error(errors, "benefit_kinds"),
            select("category", category_options),
            f"<fieldset><legend>{escape(texts['scope'])} *</legend>{scope_radios}</fieldset>",
            _error(errors, "scope"),
            select("unit_id", unit_options, required=True),
            select("language", language_options),
            co_authors_input,
            anonymous_box,
            attachment_input,
            f'<button type="submit" id="send">{escape(texts["submit"])}</button>',
            "</form>",
        ]
    )
    return _page(lang, texts["heading"], body, parent_origins)
