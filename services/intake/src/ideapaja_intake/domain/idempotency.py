"""Idempotency keys: a retried request returns what the first one did, a reused key with other
content is refused (RFC draft "The Idempotency-Key HTTP Header Field")."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from typing import Any

# Printable ASCII without spaces; long enough for a UUID, a ULID or a client's own scheme.
KEY_PATTERN = re.compile(r"^[\x21-\x7e]{1,255}$")


class InvalidIdempotencyKey(ValueError):
    pass


def checked_key(key: str | None) -> str | None:
    if key is None:
        return None
    if not KEY_PATTERN.fullmatch(key):
        raise InvalidIdempotencyKey(
            "Idempotency-Key must be 1-255 printable ASCII characters without spaces."
        )
    return key


def fingerprint(operation: str, content: Any, parameters: Mapping[str, str] | None = None) -> str:
    """A digest of what a request asks for: its operation (method and route template, e.g.
    ``POST /ideas/{idea_id}/comments``), the path's parameters (``{"idea_id": "i-1"}``) and its
    validated content, so a retry that differs only in JSON formatting or field order counts as
    the same request, and the same key on another idea does not."""
    canonical = json.dumps(
        {"operation": operation, "parameters": dict(parameters or {}), "content": content},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        default=str,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()
