"""Generate the committed contract artefacts: one JSON Schema per event and an AsyncAPI 3 document.

Run ``ideapaja-contracts-export`` after changing a contract. It refuses to overwrite a published
schema with an incompatible one: make a new ``v2`` event instead and publish both side by side.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from ideapaja_contracts.base import Event
from ideapaja_contracts.compat import incompatibilities
from ideapaja_contracts.registry import ALL_EVENTS
from ideapaja_contracts.streams import HR_SUBJECTS, LIFECYCLE_SUBJECTS

DEFAULT_OUT = Path(__file__).resolve().parents[2] / "schemas"


def event_schema(cls: type[Event]) -> dict[str, Any]:
    schema = cls.model_json_schema(mode="serialization")
    schema["$id"] = f"urn:ideapaja:event:{cls.event_type()}"
    schema["x-ce-type"] = cls.event_type()
    schema["x-subject"] = cls.subject_pattern()
    return schema


COMPONENT_SCHEMAS = "#/components/schemas/"
CLOUD_EVENT_HEADERS: dict[str, Any] = {
    "type": "object",
    "required": ["ce-specversion", "ce-id", "ce-source", "ce-type", "Nats-Msg-Id"],
    "properties": {
        "ce-specversion": {"const": "1.0"},
        "ce-id": {"type": "string"},
        "ce-source": {"type": "string"},
        "ce-type": {"type": "string"},
        "ce-time": {"type": "string", "format": "date-time"},
        "ce-subject": {"type": "string"},
        "content-type": {"const": "application/json"},
        "Nats-Msg-Id": {"type": "string"},
        "traceparent": {"type": "string"},
    },
}


def _point_refs_at_components(node: Any) -> Any:
    """A copy of a schema with its ``#/$defs/X`` references pointing at ``components/schemas/X``."""
    if isinstance(node, dict):
        return {
            key: (
                COMPONENT_SCHEMAS + value.removeprefix("#/$defs/")
                if key == "$ref" and isinstance(value, str) and value.startswith("#/$defs/")
                else _point_refs_at_components(value)
            )
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_point_refs_at_components(item) for item in node]
    return node


def _embed(schemas: dict[str, Any], name: str, schema: dict[str, Any]) -> None:
    if name in schemas and schemas[name] != schema:
        raise ValueError(f"two different schemas named {name!r} in the AsyncAPI document")
    schemas[name] = schema


def asyncapi_document() -> dict[str, Any]:
    """The AsyncAPI 3 document, self-contained: every payload schema is embedded in
    ``components/schemas`` (shared ``$defs`` such as ``Scope`` once, by name), so AsyncAPI Studio,
    the generators and ``@asyncapi/parser`` open the file without resolving other files. The
    per-event files next to it stay the published schemas the compatibility check compares."""
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    schemas: dict[str, Any] = {"CloudEventHeaders": CLOUD_EVENT_HEADERS}
    for cls in ALL_EVENTS:
        key = cls.event_type().replace(".", "_")
        payload = _point_refs_at_components(event_schema(cls))
        # The urn $id would make resolvers read the refs inside relative to it, not this file.
        del payload["$id"]
        for name, definition in payload.pop("$defs", {}).items():
            _embed(schemas, name, definition)
        _embed(schemas, key, payload)
        messages[key] = {
            "name": cls.event_type(),
            "title": cls.__name__,
            "summary": (cls.__doc__ or cls.__name__).strip().splitlines()[0],
            "contentType": "application/json",
            "headers": {"$ref": COMPONENT_SCHEMAS + "CloudEventHeaders"},
            "payload": {"$ref": COMPONENT_SCHEMAS + key},
        }
        channel = channels.setdefault(
            cls.subject_pattern().replace(".", "_").replace("*", "id"),
            {"address": cls.subject_pattern(), "messages": {}},
        )
        channel["messages"][key] = {"$ref": f"#/components/messages/{key}"}
    for channel_key in channels:
        operations[f"publish_{channel_key}"] = {
            "action": "send",
            "channel": {"$ref": f"#/channels/{channel_key}"},
        }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Ideapaja events",
            "version": "1.0.0",
            "description": (
                "Lifecycle events on "
                + ", ".join(LIFECYCLE_SUBJECTS)
                + "; HR records on "
                + ", ".join(HR_SUBJECTS)
                + ". CloudEvents 1.0 binary mode over NATS headers; "
                "Nats-Msg-Id equals ce-id."
            ),
        },
        "defaultContentType": "application/json",
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages, "schemas": schemas},
    }


def render(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def expected_files() -> dict[str, str]:
    """Relative path -> file content, for everything the export writes."""
    files = {f"{cls.event_type()}.json": render(event_schema(cls)) for cls in ALL_EVENTS}
    files["asyncapi.json"] = render(asyncapi_document())
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    refused = False
    for name, content in expected_files().items():
        target = out / name
        if target.exists() and name != "asyncapi.json":
            problems = incompatibilities(json.loads(target.read_text()), json.loads(content))
            if problems:
                refused = True
                print(f"{name}: incompatible with the published schema:", file=sys.stderr)
                for problem in problems:
                    print(f"  - {problem}", file=sys.stderr)
                continue
        target.write_text(content)
    if refused:
        print("Publish a new major version (v2) instead of changing a v1 event.", file=sys.stderr)
        return 1
    print(f"wrote {len(expected_files())} files to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
