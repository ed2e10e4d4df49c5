"""Message catalogs shared by the services that speak to people (fi/sv/en): every message is
English in the source and translated in ``<package>/locale/<lang>/LC_MESSAGES/messages.po``.

The .po files are compiled in memory when first used, so there is no build step and no compiled
file to forget. ``MessageCatalogs.untranslated`` is what each service's catalog test runs (a page
must never fall back to English in Finnish or Swedish); ``update`` brings new messages into the
catalogs (``python -m ideapaja_<service>.catalogs update``).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from typing import Any

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po
from babel.support import NullTranslations, Translations

LANGUAGES = ("fi", "sv", "en")
TRANSLATED = ("fi", "sv")
PYTHON_SOURCES = [("**.py", "python")]
KEYWORDS: Mapping[str, Any] = {"_": None, "N_": None, "gettext": None, "ngettext": (1, 2)}


def N_(message: str) -> str:
    """Marks a message for the catalogs without translating it here."""
    return message


@dataclass
class MessageCatalogs:
    """One package's catalogs: ``package`` is the directory its messages are extracted from
    and ``locale`` holds their .po files."""

    package: Path
    methods: list[tuple[str, str]] = field(default_factory=lambda: list(PYTHON_SOURCES))
    keywords: Mapping[str, Any] = field(default_factory=lambda: dict(KEYWORDS))
    project: str = "Ideapaja"
    _compiled: dict[str, NullTranslations] = field(default_factory=dict, init=False, repr=False)

    @property
    def locale(self) -> Path:
        return self.package / "locale"

    def po_path(self, language: str) -> Path:
        return self.locale / language / "LC_MESSAGES" / "messages.po"

    def translations(self, language: str) -> NullTranslations:
        """The catalog of ``language`` (English is the source: no catalog)."""
        cached = self._compiled.get(language)
        if cached is not None:
            return cached
        path = self.po_path(language)
        loaded: NullTranslations = NullTranslations()
        if language != "en" and path.exists():
            compiled = BytesIO()
            write_mo(compiled, self.read(language), use_fuzzy=False)
            compiled.seek(0)
            loaded = Translations(compiled)
        self._compiled[language] = loaded
        return loaded

    def gettext(self, language: str, message: str, **values: Any) -> str:
        text = self.translations(language).gettext(message)
        return text % values if values else text

    # -- keeping the catalogs in step with the code ------------------------------------------

    def read(self, language: str) -> Catalog:
        path = self.po_path(language)
        if not path.exists():
            return Catalog(locale=language)
        with path.open("rb") as handle:
            return read_po(handle, locale=language)

    def source_messages(self) -> Catalog:
        """Every message the code (and templates) use, in English."""
        catalog = Catalog(project=self.project, fuzzy=False)
        found: Iterator[tuple[str, int, str | tuple[str, ...], list[str], str | None]] = (
            extract_from_dir(self.package, method_map=self.methods, keywords=self.keywords)
        )
        for filename, line, message, _comments, context in found:
            catalog.add(message, locations=[(filename, line)], context=context)
        return catalog

    def untranslated(self, language: str) -> list[str]:
        catalog = self.read(language)
        missing = []
        for message in self.source_messages():
            if not message.id:
                continue
            ours = catalog.get(message.id, context=message.context)
            strings = ours.string if ours is not None else None
            texts = strings if isinstance(strings, (list, tuple)) else [strings]
            if ours is None or ours.fuzzy or not all(texts):
                missing.append(message.id if isinstance(message.id, str) else message.id[0])
        return missing

    def update(self) -> None:
        template = self.source_messages()
        for language in TRANSLATED:
            catalog = self.read(language)
            catalog.update(template, no_fuzzy_matching=True)
            catalog.obsolete.clear()
            path = self.po_path(language)
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("wb") as handle:
                write_po(handle, catalog, omit_header=False, no_location=True, sort_output=True)
            print(f"{path.relative_to(self.package)}: {len(catalog)} messages")

    def main(self, argv: list[str]) -> int:
        """``update`` (new messages into the catalogs) or ``check`` (exit 1 listing what is
        untranslated)."""
        if (argv[0] if argv else "check") == "update":
            self.update()
            return 0
        problems = 0
        for language in TRANSLATED:
            for message in self.untranslated(language):
                print(f"{language}: untranslated: {message}")
                problems += 1
        return 1 if problems else 0


# Calls through an object, as macros make them (a macro gets the translations as an argument:
# ``t.gettext("…")``): Jinja's own extractor only sees calls of a plain name (``_("…")``), so
# without this a literal written that way never reached the catalogs and showed in English.
_STRING = r"""("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')"""
_ATTRIBUTE_CALL = re.compile(rf"\b\w+\.(gettext|ngettext)\(\s*{_STRING}(?:\s*,\s*{_STRING})?")


def extract_jinja(
    fileobj: Any, keywords: Any, comment_tags: Any, options: Any
) -> Iterator[tuple[int, str, Any, list[str]]]:
    """Babel extraction for Jinja2 templates: Jinja's extractor, plus literal messages passed to
    ``<name>.gettext`` / ``<name>.ngettext``."""
    from jinja2.ext import babel_extract

    yield from babel_extract(fileobj, keywords, comment_tags, options)
    fileobj.seek(0)
    text = fileobj.read().decode(options.get("encoding", "utf-8"))
    for match in _ATTRIBUTE_CALL.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        singular = ast.literal_eval(match.group(2))
        if match.group(1) == "ngettext" and match.group(3):
            yield line, "ngettext", (singular, ast.literal_eval(match.group(3))), []
        else:
            yield line, "gettext", singular, []
