"""Is a new JSON Schema of a published event still compatible with the old one?

Consumers built against the old schema must keep working: every field the old schema had stays,
with the same type, and anything new is optional. (Required-ness may be relaxed, never tightened.)
"""

from __future__ import annotations

from typing import Any

Schema = dict[str, Any]


def _resolve(node: Schema, root: Schema) -> Schema:
    ref = node.get("$ref")
    if ref and ref.startswith("#/$defs/"):
        return _resolve(root["$defs"][ref.removeprefix("#/$defs/")], root)
    return node


def _shape(node: Schema, root: Schema) -> Any:
    """A comparable summary of a field's type, ignoring descriptions, titles and defaults."""
    node = _resolve(node, root)
    if "anyOf" in node:
        return ("anyOf", sorted(repr(_shape(n, root)) for n in node["anyOf"]))
    if "enum" in node:
        return ("enum", tuple(node["enum"]))
    kind = node.get("type")
    if kind == "array":
        return ("array", _shape(node.get("items", {}), root))
    if kind == "object" and "properties" in node:
        return ("object", tuple(sorted(node["properties"])))
    return (kind, node.get("format"))


def incompatibilities(old: Schema, new: Schema) -> list[str]:
    """Reasons why ``new`` breaks consumers of ``old``; empty when compatible."""
    problems: list[str] = []
    old_props: Schema = old.get("properties", {})
    new_props: Schema = new.get("properties", {})
    old_required = set(old.get("required", []))
    new_required = set(new.get("required", []))
    for name, old_field in old_props.items():
        if name not in new_props:
            problems.append(f"field {name!r} was removed")
            continue
        old_shape = _shape(old_field, old)
        new_shape = _shape(new_props[name], new)
        if old_shape != new_shape:
            widened_enum = old_shape[0] == new_shape[0] == "enum" and set(old_shape[1]) <= set(
                new_shape[1]
            )
            if not widened_enum:
                problems.append(f"field {name!r} changed type: {old_shape} -> {new_shape}")
    for name in sorted(new_required - old_required):
        problems.append(f"field {name!r} became required")
    return problems
