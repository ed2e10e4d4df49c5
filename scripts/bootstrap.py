#!/usr/bin/env python3
"""Install Ideapaja into .venv/ at the repository root, bootstrapping uv when it is missing.

Usage: python3 scripts/bootstrap.py [--test]

Needs only Python >= 3.11 and access to PyPI. uv is taken from PATH, else from this Python
(`python3 -m uv`), else installed into .tools/uv/ (a private venv, so a system Python that
refuses `pip install` — PEP 668 — is never touched). Then `uv sync --frozen` installs exactly the
versions in uv.lock; `--test` adds the test dependencies.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOOLS = ROOT / ".tools" / "uv"


def find_uv() -> list[str]:
    on_path = shutil.which("uv")
    if on_path:
        return [on_path]
    probe = subprocess.run(
        [sys.executable, "-m", "uv", "--version"], capture_output=True, check=False
    )
    if probe.returncode == 0:
        return [sys.executable, "-m", "uv"]
    private = TOOLS / "bin" / "uv"
    if not private.exists():
        print("uv not found: installing it into .tools/uv", flush=True)
        venv.create(TOOLS, with_pip=True, clear=True)
        subprocess.run(
            [str(TOOLS / "bin" / "python"), "-m", "pip", "install", "--quiet", "uv"], check=True
        )
    return [str(private)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--test", action="store_true", help="also install test dependencies")
    args = parser.parse_args()
    if sys.version_info < (3, 11):
        print("Ideapaja needs Python 3.11 or newer", file=sys.stderr)
        return 1
    command = [*find_uv(), "sync", "--all-packages", "--frozen", "--python", sys.executable]
    if args.test:
        command += ["--group", "test"]
    env = dict(os.environ, UV_PROJECT_ENVIRONMENT=str(ROOT / ".venv"))
    return subprocess.run(command, cwd=ROOT, env=env, check=False).returncode


if __name__ == "__main__":
    raise SystemExit(main())
