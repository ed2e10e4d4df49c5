from __future__ import annotations

import sys
from pathlib import Path

# Test helpers live beside the tests (pytest runs in importlib mode, which adds no paths).
sys.path.insert(0, str(Path(__file__).parent))
