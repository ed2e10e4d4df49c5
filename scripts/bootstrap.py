#!/usr/bin/env python3
"""Install Ideapaja into .venv/ at the repository root, bootstrapping uv when it is missing.

Usage: python3 scripts/bootstrap.py [--test]

Needs only Python >= 3.11 and access to PyPI. uv is taken from PATH, else from this Python
(`python3 -m uv`), else installed into .tools/uv/ (a private venv, so a system Python that
refuses `pip install` — PEP 668 — is never touched). Then `uv sync --frozen` installs exactly the
versions in uv.lock; `--test` adds the test dependencies. The portal's front-end packages come
from the npm registry (``frontend_assets.py``, checked against their locked sha512). ``--test``
also installs Debian's Chromium for the browser tests when it is missing and this runs as root
(CI does); elsewhere it says how to install it.
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
# The workspace's packages' sources (``*/src`` and ``services/*/src``).
WORKSPACE_SOURCES = ("*/src", "services/*/src")


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
    # Bytecode compiled at install: where PYTHONDONTWRITEBYTECODE is set (as on our CI machines
    # and in the image) every process would otherwise compile every module it imports, about
    # 3 s of CPU per service start.
    command = [
        *find_uv(), "sync", "--all-packages", "--frozen", "--compile-bytecode",
        "--python", sys.executable,
    ]  # fmt: skip
    if args.test:
        command += ["--group", "test"]
    env = dict(os.environ, UV_PROJECT_ENVIRONMENT=str(ROOT / ".venv"))
    code = subprocess.run(command, cwd=ROOT, env=env, check=False).returncode
    if code != 0:
        return code
    python = str(ROOT / ".venv" / "bin" / "python")
    for step in (
        [sys.executable, str(ROOT / "scripts" / "frontend_assets.py")],
        # The workspace's own modules (installed editable, so uv leaves them to Python).
        [python, "-m", "compileall", "-q", "-j", "0", *workspace_sources()],
        # Search's dictionaries as mapped tries, built once (ideapaja_search/dictionaries.py).
        [python, "-m", "ideapaja_search.dictionaries"],
    ):
        code = subprocess.run(step, cwd=ROOT, check=False).returncode
        if code != 0:
            return code
    if not args.test:
        return code
    return ensure_chromium()


def workspace_sources() -> list[str]:
    return sorted(str(path) for pattern in WORKSPACE_SOURCES for path in ROOT.glob(pattern))


CHROMIUM = Path("/usr/bin/chromium")


def ensure_chromium() -> int:
    """The browser tests drive Debian's Chromium; Playwright never downloads a browser."""
    if CHROMIUM.exists():
        return 0
    apt = shutil.which("apt-get")
    if apt is None or os.geteuid() != 0:
        print(
            "browser tests need Chromium at /usr/bin/chromium: run `apt-get install chromium` "
            "as root (they are skipped without it, except in CI)",
            file=sys.stderr,
        )
        return 0
    print("installing Debian's chromium for the browser tests", flush=True)
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    update = subprocess.run([apt, "update", "-qq"], env=env, check=False)
    if update.returncode != 0:
        return update.returncode
    return subprocess.run(
        [apt, "install", "-y", "-qq", "--no-install-recommends", "chromium"], env=env, check=False
    ).returncode


if __name__ == "__main__":
    raise SystemExit(main())
