"""The repository stays formatted, linted and true to its README."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=ROOT, capture_output=True, text=True, check=False)


def _tool(name: str) -> str:
    """The venv's executable next to the running Python (the locked version), else PATH's."""
    path = str(BIN / name) if (BIN / name).exists() else shutil.which(name)
    assert path, f"{name} is part of the test dependencies"
    return path


def test_ruff_lint_is_clean() -> None:
    result = _run(_tool("ruff"), "check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format_is_clean() -> None:
    result = _run(_tool("ruff"), "format", "--check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def _quick_start_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Quick start", 1)[1]
    block = section.split("```", 2)[1]
    return [line for line in block.splitlines()[1:] if line.strip()]


def test_readme_quick_start_has_exactly_two_commands() -> None:
    commands = _quick_start_commands()
    assert len(commands) == 2, commands
    assert "ideapaja up" in commands[0]
    assert "pytest" in commands[1]


def test_ci_runs_the_readme_test_command() -> None:
    result = _run("bash", "-c", "grep -c 'README' .ci/run")
    assert int(result.stdout.strip() or 0) > 0
    # .ci/run extracts line two of the Quick start block; prove the extraction finds it.
    extracted = _run(
        "awk",
        "/^## Quick start/ { s = 1; next } s && /^```/ { if (b) exit; b = 1; next } "
        "b { n++; if (n == 2) { print; exit } }",
        "README.md",
    ).stdout.strip()
    assert extracted == _quick_start_commands()[1]


SOURCE_TREES = sorted(
    str(path.relative_to(ROOT))
    for path in [*ROOT.glob("*/src"), *ROOT.glob("services/*/src")]
    if path.is_dir()
)


def test_mypy_strict_is_clean() -> None:
    """Every source tree type-checks under --strict (also ``strict = true`` in pyproject.toml, so
    a bare ``mypy`` agrees); migrations/versions are excluded there."""
    # contracts, runner, runtime, search (the shared text analysis) and six services.
    assert len(SOURCE_TREES) == 10, SOURCE_TREES
    result = _run(_tool("mypy"), "--strict", *SOURCE_TREES)
    assert result.returncode == 0, result.stdout + result.stderr


def test_import_contracts_are_kept() -> None:
    """The layering in pyproject.toml's [tool.importlinter]: pure domains, independent services,
    contracts and runtime that import no service."""
    result = _run(_tool("lint-imports"))
    assert result.returncode == 0, result.stdout + result.stderr


MAX_MODULE_LINES = 450
# Modules allowed over the limit: none since every module was split (issue 11). Never add one;
# split the new module instead.
OVER_THE_LIMIT: set[str] = set()


def _module_lengths() -> dict[str, int]:
    modules = [
        path
        for tree in SOURCE_TREES
        for path in (ROOT / tree).rglob("*.py")
        if "migrations/versions" not in path.as_posix()
    ]
    return {
        path.relative_to(ROOT).as_posix(): len(path.read_text("utf-8").splitlines())
        for path in modules
    }


def test_no_source_module_grows_past_the_limit() -> None:
    lengths = _module_lengths()
    too_long = {
        name: n
        for name, n in lengths.items()
        if n > MAX_MODULE_LINES and name not in OVER_THE_LIMIT
    }
    assert not too_long, f"split these modules (at most {MAX_MODULE_LINES} lines): {too_long}"
    # Kept honest: a module that was split (or removed) leaves the list.
    no_longer = sorted(name for name in OVER_THE_LIMIT if lengths.get(name, 0) <= MAX_MODULE_LINES)
    assert not no_longer, (
        f"no longer over {MAX_MODULE_LINES} lines, remove from OVER_THE_LIMIT: {no_longer}"
    )
