"""The embeddable page's co-authors: colleagues found by name, never typed as ids.

Without JavaScript the section is a search box and a "Search" button that posts the page to
itself: it comes back with what was typed and the matches as checkboxes (the chosen ones
ticked). With the page's script (static/idea-form.js) typing shows suggestions from
``GET /ideas/form/people`` (the page's form token) in a live list, and a pick becomes a
removable chip holding the id in a hidden field."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape

from ideapaja_intake.schemas.people import PersonPublic

PEOPLE_PATH = "/ideas/form/people"
QUERY_FIELD = "co_author_query"
SEARCH_BUTTON = "co_author_search"
CO_AUTHORS_STYLE = """
.chips{list-style:none;padding:0;margin:.5rem 0}
.chips li{display:inline-block;margin:.25rem .5rem .25rem 0;padding:.2rem .5rem}
.chips li{border:1px solid #555;border-radius:1rem}
.chips button,.results button{margin:0 0 0 .25rem;padding:.1rem .4rem}
.results{list-style:none;padding:0;margin:.5rem 0}
.results li{margin:.25rem 0}
.results button{margin:0;text-align:left}
.search{display:flex;gap:.5rem;align-items:center}
.search input{flex:1;box-sizing:border-box;padding:.5rem;font:inherit}
.search button{margin-top:0}
#co-authors>label{display:block;font-weight:600;margin-top:.5rem}
"""


def unit_name(person: PersonPublic, lang: str) -> str:
    named = {"sv": person.unit_name_sv, "en": person.unit_name_en}.get(lang)
    return named or person.unit_name_fi or person.unit_id


def shown_as(person: PersonPublic, lang: str) -> str:
    """How a colleague is shown: "Leena Korhonen, Library"."""
    return f"{person.display_name}, {unit_name(person, lang)}"


def _box(person: PersonPublic, lang: str, *, checked: bool) -> str:
    tick = " checked" if checked else ""
    return (
        f'<li><label><input type="checkbox" name="co_author_ids" value="{escape(person.id)}"'
        f"{tick}> {escape(shown_as(person, lang))}</label></li>"
    )


def co_authors_section(
    *,
    lang: str,
    texts: Mapping[str, str],
    chosen: Sequence[PersonPublic],
    query: str,
    matches: Sequence[PersonPublic] | None,
    more: bool = False,
    error: str | None = None,
) -> str:
    """The section: chosen co-authors (ticked), the search box and its button, and after a
    search the matches (``None``: no search yet). ``error`` is the search box's message."""
    chosen_ids = {p.id for p in chosen}
    chosen_items = "".join(_box(p, lang, checked=True) for p in chosen)
    found = ""
    if matches is not None:
        offered = [p for p in matches if p.id not in chosen_ids]
        if offered:
            found = f"<li>{escape(texts['co_author_matches'])}</li>" + "".join(
                _box(p, lang, checked=False) for p in offered
            )
        elif error is None:
            found = f"<li>{escape(texts['co_author_none'])}</li>"
        if more:
            found += f"<li>{escape(texts['co_author_more'])}</li>"
    invalid = (
        f' aria-invalid="true" aria-describedby="co_author_help {QUERY_FIELD}-error"'
        if error
        else ' aria-describedby="co_author_help"'
    )
    message = f'<p class="error" id="{QUERY_FIELD}-error">{escape(error)}</p>' if error else ""
    focus = " autofocus" if matches is not None or error else ""
    data = {
        "data-people-url": PEOPLE_PATH,
        "data-remove": texts["co_author_remove"],
        "data-none": texts["co_author_none"],
        "data-added": texts["co_author_added"],
        "data-lang": lang,
    }
    attributes = "".join(f' {name}="{escape(value)}"' for name, value in data.items())
    return (
        f'<fieldset id="co-authors"{attributes}>'
        f"<legend>{escape(texts['co_author_ids'])}</legend>\n"
        f'<p id="co_author_help">{escape(texts["co_author_help"])}</p>\n'
        f'<ul id="co_author_chosen" class="chips" aria-label="{escape(texts["co_author_chosen"])}">'
        f"{chosen_items}</ul>\n"
        f'<label for="{QUERY_FIELD}">{escape(texts[QUERY_FIELD])}</label>\n'
        f'<div class="search"><input type="search" id="{QUERY_FIELD}" name="{QUERY_FIELD}"'
        f' maxlength="100" autocomplete="off" value="{escape(query)}"{invalid}{focus}>'
        f'<button type="submit" name="{SEARCH_BUTTON}" value="1" formnovalidate>'
        f"{escape(texts[SEARCH_BUTTON])}</button></div>\n{message}"
        f'<ul id="co_author_results" class="results" aria-live="polite">{found}</ul>'
        "</fieldset>"
    )
