#!/usr/bin/env python3
"""Audit every locked third-party dependency for known vulnerabilities with pip-audit.

Usage: python3 scripts/audit_dependencies.py

The audited set is exactly uv.lock (every package and version the services run with, test tools
included), exported as pinned requirements; pip-audit (PyPA) looks each one up in the OSV
database. Exit codes, so CI can tell them apart:
  0  no known vulnerability
  1  vulnerabilities found (pip-audit lists them): CI fails
  3  the vulnerability database could not be reached: nothing was audited (said loudly)

Accepting a finding (no fixed release yet, not reachable in our use): add its id to
scripts/audit_ignore.txt with a reason and a date to look again; pip-audit gets `--ignore-vuln`.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bootstrap import ROOT, find_uv  # a sibling script, not a package

PIP_AUDIT = "pip-audit==2.10.1"
OSV_QUERY = "https://api.osv.dev/v1/query"
IGNORE_FILE = ROOT / "scripts" / "audit_ignore.txt"
UNREACHABLE = 3


def locked_requirements() -> str:
    """uv.lock as pinned requirements, without our own workspace packages."""
    command = [*find_uv(), "export", "--frozen", "--all-packages", "--all-groups"]
    command += ["--no-emit-workspace", "--no-hashes", "--no-header", "--no-annotate"]
    env = dict(os.environ, UV_PROJECT_ENVIRONMENT=str(ROOT / ".venv"))
    return subprocess.run(
        command, cwd=ROOT, env=env, check=True, capture_output=True, text=True
    ).stdout


def ignored() -> list[str]:
    """Accepted findings: the first word of each non-comment line of audit_ignore.txt."""
    if not IGNORE_FILE.exists():
        return []
    lines = IGNORE_FILE.read_text(encoding="utf-8").splitlines()
    return [line.split()[0] for line in lines if line.strip() and not line.startswith("#")]


def database_reachable(timeout: float = 10.0) -> bool:
    request = urllib.request.Request(
        OSV_QUERY,
        data=b'{"package": {"name": "pip", "ecosystem": "PyPI"}, "version": "1.0"}',
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return bool(response.status == 200)
    except (urllib.error.URLError, TimeoutError, OSError):
        return False


def main() -> int:
    requirements = locked_requirements()
    count = sum(1 for line in requirements.splitlines() if "==" in line)
    if not database_reachable():
        print(
            f"dependency audit: NOT RUN - the OSV vulnerability database ({OSV_QUERY}) cannot be "
            f"reached from this machine; {count} locked packages are unaudited. Run "
            "`python3 scripts/audit_dependencies.py` where it can be reached.",
            file=sys.stderr,
        )
        return UNREACHABLE
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as handle:
        handle.write(requirements)
    try:
        command = [*find_uv(), "tool", "run", "--from", PIP_AUDIT, "pip-audit"]
        command += ["--requirement", handle.name, "--no-deps", "--disable-pip", "--strict"]
        command += ["--vulnerability-service", "osv", "--progress-spinner", "off"]
        for vulnerability in ignored():
            command += ["--ignore-vuln", vulnerability]
        print(f"dependency audit: {count} locked packages, {PIP_AUDIT} against OSV", flush=True)
        return subprocess.run(command, cwd=ROOT, check=False).returncode
    finally:
        Path(handle.name).unlink(missing_ok=True)


if __name__ == "__main__":
    raise SystemExit(main())
