"""The reliability suite reuses the e2e suite's stack driver (tests/e2e/e2e_stack.py)."""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).parent
for path in (HERE, HERE.parent / "e2e"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))
