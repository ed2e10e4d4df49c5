"""Keeping the message catalogs in step with the code and templates.

    python -m ideapaja_portal.catalogs update   # new messages into locale/fi and locale/sv
    python -m ideapaja_portal.catalogs check    # exit 1 and list what is untranslated

Every message is English in the source (``_("…")`` in templates, ``texts.gettext("…")`` and
``N_("…")`` in code); Finnish and Swedish translations live in the .po files, which translators
edit with any gettext tool. ``check`` is what the test suite runs: a page must never fall back to
English in Finnish or Swedish.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

PACKAGE = Path(__file__).parent
LOCALE_DIR = PACKAGE / "locale"
TRANSLATED = ("fi", "sv")
METHODS = [("**/templates/**.html", "jinja2.ext:babel_extract"), ("**.py", "python")]
KEYWORDS = {"_": None, "N_": None, "gettext": None, "ngettext": (1, 2)}


def source_messages() -> Catalog:
    """Every message the code and templates use (English)."""
    catalog = Catalog(project="Ideapaja portal", fuzzy=False)
    found: Iterator[tuple[str, int, str | tuple[str, ...], list[str], str | None]] = (
        extract_from_dir(PACKAGE, method_map=METHODS, keywords=KEYWORDS)
    )
    for filename, line, message, _comments, context in found:
        catalog.add(message, locations=[(filename, line)], context=context)
    return catalog


def po_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"


def read(language: str) -> Catalog:
    path = po_path(language)
    if not path.exists():
        return Catalog(locale=language)
    with path.open("rb") as handle:
        return read_po(handle, locale=language)


def untranslated(language: str) -> list[str]:
    catalog = read(language)
    missing = []
    for message in source_messages():
        if not message.id:
            continue
        ours = catalog.get(message.id, context=message.context)
        strings = ours.string if ours is not None else None
        texts = strings if isinstance(strings, (list, tuple)) else [strings]
        if ours is None or ours.fuzzy or not all(texts):
            missing.append(message.id if isinstance(message.id, str) else message.id[0])
    return missing


def update() -> None:
    template = source_messages()
    for language in TRANSLATED:
        catalog = read(language)
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        path = po_path(language)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as handle:
            write_po(handle, catalog, omit_header=False, no_location=True, sort_output=True)
        print(f"{path.relative_to(PACKAGE)}: {len(catalog)} messages")


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "check"
    if command == "update":
        update()
        return 0
    problems = 0
    for language in TRANSLATED:
        for message in untranslated(language):
            print(f"{language}: untranslated: {message}")
            problems += 1
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
