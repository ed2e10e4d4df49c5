from __future__ import annotations

import sys
from pathlib import Path

# Helpers live beside the tests (pytest runs in importlib mode, which adds no paths).
sys.path.insert(0, str(Path(__file__).parent))
from ideapaja_privacy.app import service
from ideapaja_runtime.testing import schema_fixtures

privacy_db, sqlite_privacy_db = schema_fixtures("privacy_db", service.migrations)
