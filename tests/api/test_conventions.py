"""Every service's OpenAPI document follows CONTRIBUTING.md's API conventions: one list shape,
`id` for a resource's own id, standard filter names, and a description on every parameter and
field. What an HR integrator or the portal reads is the document, so it is checked here."""

from __future__ import annotations

from typing import Any

import pytest

from ideapaja_runtime.service import create_app, discover_services

PAGE_FIELDS = {"items", "total", "limit", "next_cursor"}
# Names CONTRIBUTING.md replaced: state -> status, lang -> language, offset/since -> cursor.
RETIRED_PARAMETERS = {"state", "lang", "offset", "since"}
METHODS = {"get", "post", "put", "patch", "delete"}
FRAMEWORK_SCHEMAS = {"HTTPValidationError", "ValidationError"}

SERVICES = discover_services()


def openapi(name: str) -> dict[str, Any]:
    spec = SERVICES[name]
    document: dict[str, Any] = create_app(spec, spec.load_settings()).openapi()
    return document


def resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    ]


def json_answer(document: dict[str, Any], operation: dict[str, Any]) -> dict[str, Any] | None:
    responses = operation.get("responses", {})
    ok = responses.get("200") or responses.get("201")
    content = (ok or {}).get("content", {}).get("application/json")
    return resolve(document, content["schema"]) if content else None


def violations(document: dict[str, Any]) -> list[str]:
    found: list[str] = []
    for method, path, operation in operations(document):
        where = f"{method} {path}"
        for parameter in operation.get("parameters", []):
            name = f"{where} {parameter['in']} parameter {parameter['name']}"
            if not (parameter.get("description") or parameter.get("schema", {}).get("description")):
                found.append(f"{name}: no description")
            if parameter["in"] == "query" and parameter["name"] in RETIRED_PARAMETERS:
                found.append(f"{name}: a retired name (see CONTRIBUTING.md)")
        answer = json_answer(document, operation)
        if method != "GET" or answer is None:
            continue
        properties = answer.get("properties", {})
        if answer.get("type") == "array":
            found.append(
                f"{where}: a bare array; answer Page[...] (items, total, limit, next_cursor)"
            )
        elif "items" in properties and not set(properties) >= PAGE_FIELDS:
            found.append(f"{where}: a list not in the Page shape")
        elif "items" in properties and not {"limit", "cursor"} <= {
            p["name"] for p in operation.get("parameters", []) if p["in"] == "query"
        }:
            found.append(f"{where}: a list without ?limit= and ?cursor=")
        own_id = path.rsplit("{", 1)[-1].rstrip("}") if path.endswith("_id}") else None
        if own_id and own_id in properties and "id" not in properties:
            found.append(f"{where}: its own id is {own_id!r}; name it 'id'")
    for schema_name, schema in document.get("components", {}).get("schemas", {}).items():
        if schema_name in FRAMEWORK_SCHEMAS:
            continue
        for field, value in schema.get("properties", {}).items():
            if not value.get("description"):
                found.append(f"schema {schema_name}.{field}: no description")
    return found


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_the_openapi_document_follows_the_conventions(service: str) -> None:
    found = violations(openapi(service))
    assert not found, f"{len(found)} departures from CONTRIBUTING.md:\n" + "\n".join(found)


def _examples(node: Any) -> list[Any]:
    """Every value given as an example anywhere in a document."""
    found: list[Any] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "examples":
                found += list(value.values()) if isinstance(value, dict) else list(value)
            elif key == "example":
                found.append(value)
            else:
                found += _examples(value)
    elif isinstance(node, list):
        for item in node:
            found += _examples(item)
    return found


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_no_example_names_a_real_demo_person(service: str) -> None:
    """A tool that sends the documented examples (a test client, Swagger UI's "Try it out")
    must not erase, reward or assign a demo person: person examples are ids that cannot exist."""
    from ideapaja_runner.hr_records import demo_csv_text, parse_organisation

    people = {r.event.aggregate_id() for r in parse_organisation(demo_csv_text()).persons}
    named = sorted({str(value) for value in _examples(openapi(service)) if str(value) in people})
    assert not named, f"{service} documents demo people as examples: {named}"
