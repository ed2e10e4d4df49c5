"""The committed AsyncAPI document opens cleanly in the reference parser, ``@asyncapi/parser``
(what AsyncAPI Studio, the CLI and the generators use), read from its own file so that any
relative ``$ref`` is resolved the way those tools resolve it.

Needs ``node`` and ``npm``: the parser is installed from the npm registry once into ``.cache/``
(git-ignored) and reused by later runs. Without node or npm the tests skip and say so.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from ideapaja_contracts.export import DEFAULT_OUT
from ideapaja_contracts.registry import ALL_EVENTS

REPO = Path(__file__).resolve().parents[2]
PARSER_VERSION = "3.6.6"
PARSER_HOME = REPO / ".cache" / f"asyncapi-parser-{PARSER_VERSION}"
PARSE_SCRIPT = Path(__file__).with_name("asyncapi_parse.cjs")
DOCUMENT = DEFAULT_OUT / "asyncapi.json"
ERROR = 0  # DiagnosticSeverity.Error


def _install_parser(npm: str) -> Path:
    marker = PARSER_HOME / "installed"
    if marker.exists():
        return PARSER_HOME
    PARSER_HOME.mkdir(parents=True, exist_ok=True)
    (PARSER_HOME / "package.json").write_text(
        json.dumps(
            {
                "name": "ideapaja-asyncapi-parser-cache",
                "private": True,
                "dependencies": {"@asyncapi/parser": PARSER_VERSION},
            }
        )
    )
    installed = subprocess.run(
        # --ignore-scripts: the parser needs none; its one install script only reports telemetry.
        [npm, "install", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error"],
        cwd=PARSER_HOME,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "npm_config_update_notifier": "false"},
    )
    assert installed.returncode == 0, (
        f"npm install @asyncapi/parser@{PARSER_VERSION} failed:\n{installed.stderr}"
    )
    marker.write_text(PARSER_VERSION)
    return PARSER_HOME


@pytest.fixture(scope="session")
def parsed_asyncapi() -> dict[str, Any]:
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.skip("node and npm are needed to run @asyncapi/parser on the AsyncAPI document")
    parser_home = _install_parser(npm)
    parsed = subprocess.run(
        [node, str(PARSE_SCRIPT), str(parser_home), str(DOCUMENT)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert parsed.returncode == 0, f"@asyncapi/parser crashed:\n{parsed.stderr}"
    result: dict[str, Any] = json.loads(parsed.stdout)
    return result


def test_the_reference_parser_finds_no_errors(parsed_asyncapi: dict[str, Any]) -> None:
    errors = [d for d in parsed_asyncapi["diagnostics"] if d["severity"] == ERROR]
    assert not errors, f"{len(errors)} errors from @asyncapi/parser, e.g.: {errors[:3]}"
    assert parsed_asyncapi["channels"] is not None


def test_every_event_is_a_channel_with_its_payload_and_cloudevents_headers(
    parsed_asyncapi: dict[str, Any],
) -> None:
    channels = parsed_asyncapi["channels"] or []
    messages = {
        (channel["address"], message["name"]): message
        for channel in channels
        for message in channel["messages"]
    }
    missing = [
        cls.event_type()
        for cls in ALL_EVENTS
        if (cls.subject_pattern(), cls.event_type()) not in messages
    ]
    assert not missing, f"events without their channel and message: {missing}"
    for cls in ALL_EVENTS:
        message = messages[(cls.subject_pattern(), cls.event_type())]
        assert message["payload_type"] == "object", cls.event_type()
        assert {"ce-id", "ce-type", "ce-source", "Nats-Msg-Id"} <= set(message["header_names"])
