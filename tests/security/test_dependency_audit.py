"""The dependency audit audits what we run: every third-party package of uv.lock, pinned."""

from __future__ import annotations

import importlib.util
import tomllib
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]


def audit_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "audit_dependencies", ROOT / "scripts" / "audit_dependencies.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def normalised(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")


def test_every_locked_third_party_package_is_audited_at_its_locked_version() -> None:
    lock = tomllib.loads((ROOT / "uv.lock").read_text(encoding="utf-8"))
    locked = {
        (normalised(p["name"]), p["version"])
        for p in lock["package"]
        if "registry" in p.get("source", {})
    }
    exported = {
        (normalised(name), version.split(";")[0].strip())
        for name, _, version in (
            line.partition("==")
            for line in audit_script().locked_requirements().splitlines()
            if "==" in line
        )
    }
    assert locked, "uv.lock lists no third-party packages?"
    assert exported == locked
    # Our own workspace packages are not on PyPI and must not be looked up there.
    assert not any(name.startswith("ideapaja") for name, _ in exported)


def test_accepted_findings_carry_a_reason() -> None:
    script = audit_script()
    lines = script.IGNORE_FILE.read_text(encoding="utf-8").splitlines()
    for line in lines:
        if line.strip() and not line.startswith("#"):
            assert len(line.split()) > 2, f"give a reason and a date to look again: {line!r}"
