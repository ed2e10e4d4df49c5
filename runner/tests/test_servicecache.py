"""The services' specs are read once per installation, not on every start (servicecache)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from typing import Any

import pytest

from ideapaja_runner import servicecache, services

ECHO_DIST = Path(__file__).parent / "echo_service_dist"
ECHO_PACKAGE = "ideapaja_runner_echo_service"


@pytest.fixture
def children(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """Every spec-reading child ``discover`` starts (each still runs)."""
    started: list[list[str]] = []
    real_run = subprocess.run

    def run(argv: list[str], **kwargs: Any) -> Any:
        started.append(list(argv))
        return real_run(argv, **kwargs)

    monkeypatch.setattr(services.subprocess, "run", run)
    return started


def test_a_second_start_reads_no_specs(tmp_path: Path, children: list[list[str]]) -> None:
    cache = tmp_path / "services.json"
    first = services.discover(only=["intake", "review"], cache=cache)
    assert len(children) == 1
    assert first["intake"].default_port == 8001
    assert first["review"].env_prefix == "IDEAPAJA_REVIEW_"

    again = services.discover(only=["intake", "review"], cache=cache)
    assert again == first
    assert len(children) == 1  # answered from the cache
    # Another selection is another question: read once, then kept beside the first.
    services.discover(only=["intake"], cache=cache)
    services.discover(only=["intake"], cache=cache)
    assert len(children) == 2
    assert len(json.loads(cache.read_text())) == 2


def test_what_is_kept_is_what_is_answered(tmp_path: Path, children: list[list[str]]) -> None:
    cache = tmp_path / "services.json"
    services.discover(only=["intake"], cache=cache)
    [key] = json.loads(cache.read_text())
    # A kept answer (here edited to tell it apart) is used as it is, without a child.
    intake = {"name": "intake", "default_port": 9999, "env_prefix": "IDEAPAJA_INTAKE_"}
    kept = {"services": [intake], "libraries": []}
    cache.write_text(json.dumps({key: kept}))
    assert services.discover(only=["intake"], cache=cache)["intake"].default_port == 9999
    assert len(children) == 1


def test_an_unreadable_cache_is_no_cache(tmp_path: Path, children: list[list[str]]) -> None:
    cache = tmp_path / "services.json"
    cache.write_text("not json")
    assert services.discover(only=["intake"], cache=cache)["intake"].default_port == 8001
    assert len(children) == 1
    # Nowhere to write it (a read-only install): every start reads the specs, as before.
    blocked = tmp_path / "file"
    blocked.write_text("")
    assert services.discover(only=["intake"], cache=blocked / "services.json")
    assert services.discover(only=["intake"], cache=blocked / "services.json")
    assert len(children) == 3


def test_a_broken_service_is_not_kept(tmp_path: Path, children: list[list[str]]) -> None:
    cache = tmp_path / "services.json"
    [ep] = [ep for ep in entry_points(group=services.ENTRY_POINT_GROUP) if ep.name == "intake"]
    problems = {"services": [], "problems": ["service intake cannot be loaded: boom"]}
    done = subprocess.CompletedProcess([], 0, stdout=json.dumps(problems), stderr="")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(services.subprocess, "run", lambda *a, **k: done)
        with pytest.raises(services.ServiceSelectionError, match="boom"):
            services.discover(only=["intake"], cache=cache)
    assert servicecache.load(cache, servicecache.fingerprint([ep])) is None


def _echo_entry_point(root: Path) -> EntryPoint:
    [ep] = [ep for ep in entry_points(group=services.ENTRY_POINT_GROUP) if ep.name == "runnerecho"]
    assert ep.dist is not None and str(root) in str(ep.dist.locate_file(""))
    return ep


def test_any_change_to_a_service_reads_the_specs_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "site"
    shutil.copytree(ECHO_DIST, root)
    monkeypatch.syspath_prepend(str(root))
    ep = _echo_entry_point(root)
    before = servicecache.fingerprint([ep])
    assert servicecache.fingerprint([ep]) == before  # stable while nothing changes

    module = root / ECHO_PACKAGE / "__init__.py"
    stat = module.stat()
    os.utime(module, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    touched = servicecache.fingerprint([ep])
    assert touched != before
    (root / ECHO_PACKAGE / "extra.py").write_text("PORT = 1\n")  # a new module
    assert servicecache.fingerprint([ep]) != touched
