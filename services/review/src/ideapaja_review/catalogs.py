"""Keeping review's message catalogs in step with the code.

python -m ideapaja_review.catalogs update   # new messages into locale/fi and locale/sv
python -m ideapaja_review.catalogs check    # exit 1 and list what is untranslated
"""

from __future__ import annotations

import sys

from ideapaja_review.texts import CATALOGS

if __name__ == "__main__":
    raise SystemExit(CATALOGS.main(sys.argv[1:]))
