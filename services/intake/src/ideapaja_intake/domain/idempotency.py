"""Idempotency keys: a retried request returns what the first one did, a reused key with other
content is refused (RFC draft "The Idempotency-Key HTTP Header Field")."""

from __future__ import annotations

import hashlib
import json
import re
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


def fingerprint(operation: str, content: Any) -> str:
    """A digest of what a request asks for: its operation (method and path, e.g.
    ``POST /ideas/i-1/comments``) and its validated content, so a retry that differs only in
    JSON formatting or field order counts as the same request."""
    canonical = json.dumps(
        {"operation": operation, "content": content},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        default=str,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()
