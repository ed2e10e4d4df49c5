from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

# Test helpers live beside the tests (pytest runs in importlib mode, which adds no paths).
sys.path.insert(0, str(Path(__file__).parent))

from runner_testkit import Up

from ideapaja_runner.state import StateDir


@pytest.fixture
def state(tmp_path: Path) -> StateDir:
    """An empty state directory."""
    return StateDir.at(tmp_path / "state")


@pytest.fixture
def ups() -> Iterator[list[Up]]:
    """Collects the `ideapaja up` processes a test starts; each is stopped after the test."""
    started: list[Up] = []
    yield started
    for up in started:
        up.cleanup()
