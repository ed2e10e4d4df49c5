"""Keeping the messages' catalogs in step with the templates and labels.

    python -m ideapaja_notification.messages.catalogs update   # new messages into locale/fi, sv
    python -m ideapaja_notification.messages.catalogs check    # exit 1 listing the untranslated

Every message is English in the source (``_("…")`` in ``templates/*.jinja``, ``N_("…")`` and
``texts.gettext("…")`` in ``labels.py``); Finnish and Swedish live in ``locale/<lang>/
LC_MESSAGES/messages.po``, read (compiled in memory) when first used. The machinery is the
runtime's (``ideapaja_runtime.i18n``), as the portal's.
"""

from __future__ import annotations

import sys
from pathlib import Path

from ideapaja_runtime.i18n import MessageCatalogs

PACKAGE = Path(__file__).parent
METHODS = [("**/templates/**.jinja", "ideapaja_runtime.i18n:extract_jinja"), ("**.py", "python")]
CATALOGS = MessageCatalogs(PACKAGE, methods=METHODS, project="Ideapaja notification")

if __name__ == "__main__":
    raise SystemExit(CATALOGS.main(sys.argv[1:]))
