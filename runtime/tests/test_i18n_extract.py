"""Template messages reach the catalogs however a template calls gettext: a macro gets the
translations as an argument (``t.gettext("…")``), which Jinja's own extractor does not see, so
such texts showed in English on Finnish and Swedish pages."""

from __future__ import annotations

from io import BytesIO

from ideapaja_runtime.i18n import KEYWORDS, extract_jinja

TEMPLATE = b"""{% macro pager(t, page) %}
<a>{{ t.gettext("More") }}</a>
<p>{{ t.ngettext("%(num)s person found", "%(num)s people found", page.total) }}</p>
<p>{{ t.gettext(label_of(page)) }}</p>
{% endmacro %}
<h1>{{ _("Ideas") }}</h1>
"""


def test_calls_through_an_object_are_extracted_with_plain_ones() -> None:
    found = list(extract_jinja(BytesIO(TEMPLATE), KEYWORDS, [], {}))
    messages = {(function, message) for _line, function, message, _comments in found}
    assert ("gettext", "More") in messages
    assert ("ngettext", ("%(num)s person found", "%(num)s people found")) in messages
    assert any(message == "Ideas" for _f, message in messages)
    # A computed message (a variable) is left to whoever lists it (N_ in code).
    assert not any("label_of" in str(message) for _f, message in messages)
    lines = {message: line for line, _f, message, _c in found}
    assert lines["More"] == 2
