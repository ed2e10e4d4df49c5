"""One input policy for every text a client sends to any service: no control characters other
than tab and line breaks (NUL, ESC, DEL, the C1 range). They are refused with 422 naming the
field, not silently dropped, so what is stored is exactly what the sender sees — and a NUL never
reaches PostgreSQL, whose text columns cannot hold one (that would be a 500).

Checked on every route of a service router (``routes.UnitOfWorkRoute``) before the route runs:
query parameters, and JSON and URL-encoded form bodies (a multipart body's text fields go
through the route's own models; file names through ``safe_filename``-style cleaning)."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request

from ideapaja_runtime.problems import Problem

CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
MESSAGE = "must not contain control characters"


def has_control_characters(value: str) -> bool:
    return CONTROL_CHARACTERS.search(value) is not None


def fields_with_control_characters(value: Any, path: str = "") -> list[str]:
    """The dotted paths of every string in a parsed JSON value that holds a control character
    (keys included: a key is text too)."""
    if isinstance(value, str):
        return [path or "body"] if has_control_characters(value) else []
    found: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            if has_control_characters(str(key)):
                found.append(where)
            found += fields_with_control_characters(item, where)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += fields_with_control_characters(
                item, f"{path}[{index}]" if path else f"[{index}]"
            )
    return found


async def refuse_control_characters(request: Request) -> None:
    """422 when a query parameter or a JSON / URL-encoded body field holds a control character."""
    fields = [
        name for name, value in request.query_params.multi_items() if has_control_characters(value)
    ]
    if request.method in {"POST", "PUT", "PATCH"}:
        fields += await _body_fields(request)
    if fields:
        raise Problem(
            422,
            "Invalid input",
            f"Control characters are not allowed in: {', '.join(sorted(set(fields)))}",
            errors=[
                {"field": field, "message": MESSAGE, "type": "control_characters"}
                for field in sorted(set(fields))
            ],
        )


async def _body_fields(request: Request) -> list[str]:
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type == "application/json" or media_type.endswith("+json"):
        body = await request.body()  # kept by Starlette: the route reads the same bytes
        try:
            parsed = json.loads(body) if body else None
        except (ValueError, RecursionError):
            return []  # not JSON: the route's own parsing answers for that
        return fields_with_control_characters(parsed)
    if media_type == "application/x-www-form-urlencoded":
        body = await request.body()
        try:
            pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True)
        except UnicodeDecodeError:
            return []
        return [name for name, value in pairs if has_control_characters(f"{name}{value}")]
    return []
