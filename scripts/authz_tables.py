#!/usr/bin/env python3
"""Print the README's authorization tables, one per installed service, from the policy tables
the routes enforce (``ideapaja_<service>.authz.POLICY``). tests/security/test_authz_readme.py
fails when README.md does not show what this prints.

Usage: .venv/bin/python scripts/authz_tables.py
"""

from __future__ import annotations

import importlib

from ideapaja_runtime.service import discover_services


def tables() -> str:
    parts = []
    for name in discover_services():
        policy = importlib.import_module(f"ideapaja_{name}.authz").POLICY
        parts.append(f"#### {name}\n\n{policy.markdown_table()}\n")
    return "\n".join(parts)


if __name__ == "__main__":
    print(tables(), end="")
