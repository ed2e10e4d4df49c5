"""Keeping the message catalogs in step with the code and templates.

    python -m ideapaja_portal.catalogs update   # new messages into locale/fi and locale/sv
    python -m ideapaja_portal.catalogs check    # exit 1 and list what is untranslated

Every message is English in the source (``_("…")`` in templates, ``texts.gettext("…")`` and
``N_("…")`` in code); Finnish and Swedish translations live in the .po files, which translators
edit with any gettext tool. ``check`` is what the test suite runs: a page must never fall back to
English in Finnish or Swedish. The machinery is the runtime's (``ideapaja_runtime.i18n``).
"""

from __future__ import annotations

import sys
from pathlib import Path

from ideapaja_runtime.i18n import TRANSLATED, MessageCatalogs

PACKAGE = Path(__file__).parent
LOCALE_DIR = PACKAGE / "locale"
METHODS = [("**/templates/**.html", "ideapaja_runtime.i18n:extract_jinja"), ("**.py", "python")]
CATALOGS = MessageCatalogs(PACKAGE, methods=METHODS, project="Ideapaja portal")

__all__ = ["CATALOGS", "TRANSLATED", "untranslated", "update"]


def untranslated(language: str) -> list[str]:
    return CATALOGS.untranslated(language)


def update() -> None:
    CATALOGS.update()


if __name__ == "__main__":
    raise SystemExit(CATALOGS.main(sys.argv[1:]))
