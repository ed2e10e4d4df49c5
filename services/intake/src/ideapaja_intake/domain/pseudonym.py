"""Stable pseudonyms for authors, so an anonymous idea can be discussed without naming anyone."""

from __future__ import annotations

import hashlib
import hmac

PSEUDONYM_PREFIX = "a-"


def author_pseudonym(secret: str, idea_id: str, person_id: str) -> str:
    """The same (idea, person) always gives the same pseudonym; different ideas of one person give
    unrelated ones, so pseudonyms cannot be used to link a person's anonymous ideas together.

    ':' cannot occur in ids (contracts' Id pattern), so no two (idea, person) pairs share a
    message.
    """
    message = f"{idea_id}:{person_id}".encode()
    digest = hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
    return PSEUDONYM_PREFIX + digest[:16]
