"""The README's authorization tables are the ones the services enforce."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_readme_shows_every_service_policy_table() -> None:
    spec = importlib.util.spec_from_file_location("authz_tables", ROOT / "scripts/authz_tables.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    expected = module.tables()
    assert expected.strip() in (ROOT / "README.md").read_text(encoding="utf-8"), (
        "README.md's authorization tables are stale: run "
        "`.venv/bin/python scripts/authz_tables.py` and paste its output under '### Tables'"
    )
