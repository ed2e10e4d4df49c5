from __future__ import annotations

import sys
from pathlib import Path

# Helper modules beside the tests (pytest runs in importlib mode, which adds no paths).
sys.path.insert(0, str(Path(__file__).parent))
