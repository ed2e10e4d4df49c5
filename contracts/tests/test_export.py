"""The committed schemas and AsyncAPI document are exactly what the models export."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from ideapaja_contracts.compat import incompatibilities
from ideapaja_contracts.export import DEFAULT_OUT, expected_files, main
from ideapaja_contracts.registry import ALL_EVENTS

REPO = Path(__file__).resolve().parents[2]


def test_committed_artefacts_match_the_models() -> None:
    stale = [
        name
        for name, content in expected_files().items()
        if not (DEFAULT_OUT / name).exists() or (DEFAULT_OUT / name).read_text() != content
    ]
    assert not stale, f"run `ideapaja-contracts-export` and commit: {stale}"
    extra = {p.name for p in DEFAULT_OUT.glob("*.json")} - set(expected_files())
    assert not extra, f"schemas without a model (a published event must not vanish): {extra}"


def test_every_event_has_a_schema_and_an_asyncapi_channel() -> None:
    asyncapi = json.loads((DEFAULT_OUT / "asyncapi.json").read_text())
    assert asyncapi["asyncapi"].startswith("3.")
    addresses = {channel["address"] for channel in asyncapi["channels"].values()}
    for cls in ALL_EVENTS:
        assert (DEFAULT_OUT / f"{cls.event_type()}.json").exists()
        assert cls.subject_pattern() in addresses


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return own + [ref for value in node.values() for ref in _refs(value)]
    if isinstance(node, list):
        return [ref for item in node for ref in _refs(item)]
    return []


def test_the_asyncapi_document_refers_only_to_itself() -> None:
    """Tools open the document alone (Studio has no sibling files): every $ref is local and
    points at something in it."""
    asyncapi = json.loads((DEFAULT_OUT / "asyncapi.json").read_text())
    refs = _refs(asyncapi)
    assert refs
    for ref in refs:
        assert ref.startswith("#/"), ref
        target: Any = asyncapi
        for part in ref.removeprefix("#/").split("/"):
            assert isinstance(target, dict) and part in target, f"{ref} points at nothing"
            target = target[part]


def test_export_refuses_an_incompatible_change(tmp_path: Path) -> None:
    assert main(["--out", str(tmp_path)]) == 0
    target = tmp_path / "ideapaja.idea.submitted.v1.json"
    published = json.loads(target.read_text())
    published["properties"]["legacy_field"] = {"type": "string"}
    target.write_text(json.dumps(published))
    assert main(["--out", str(tmp_path)]) == 1
    assert "legacy_field" in target.read_text(), "an incompatible schema must not be overwritten"


def _git_versions(path: Path) -> list[str]:
    try:
        commits = subprocess.run(
            ["git", "log", "--format=%H", "--", str(path.relative_to(REPO))],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
    except (subprocess.CalledProcessError, FileNotFoundError):
        return []
    return [
        subprocess.run(
            ["git", "show", f"{commit}:{path.relative_to(REPO).as_posix()}"],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for commit in commits
    ]


@pytest.mark.parametrize("cls", ALL_EVENTS, ids=lambda c: c.event_type())
def test_models_stay_compatible_with_every_published_version(cls: type) -> None:
    """A v1 schema that was ever committed is published: later models may only add optional
    fields. Breaking changes need a new v2 event."""
    current = json.loads(expected_files()[f"{cls.event_type()}.json"])  # type: ignore[attr-defined]
    for old in _git_versions(DEFAULT_OUT / f"{cls.event_type()}.json"):  # type: ignore[attr-defined]
        assert incompatibilities(json.loads(old), current) == []
