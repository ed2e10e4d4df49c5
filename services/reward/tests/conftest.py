from __future__ import annotations

import sys
from pathlib import Path

# Helpers live beside the tests (pytest runs in importlib mode, which adds no paths).
sys.path.insert(0, str(Path(__file__).parent))
from ideapaja_reward.app import service
from ideapaja_runtime.testing import schema_fixtures

reward_db, sqlite_reward_db = schema_fixtures("reward_db", service.migrations)
