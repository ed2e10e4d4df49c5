from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))


@pytest.fixture(scope="module")
def browser(stack: Any) -> Iterator[Any]:
    """Chromium for the module's tests, once its ``stack`` is up (a module with other needs,
    e.g. the intranet form's network flags, defines its own)."""
    from portal_browser import chromium

    with chromium() as launched:
        yield launched
