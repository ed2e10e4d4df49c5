"""Stable pseudonyms for authors, so an anonymous idea can be discussed without naming anyone."""

from __future__ import annotations

import hashlib
import hmac
import re
from functools import lru_cache
from typing import Any

from ideapaja_contracts.base import CITIZEN_ID_PREFIX

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


CITIZEN_PREFIX = CITIZEN_ID_PREFIX


def citizen_person_id(secret: str, subject: str) -> str:
    """The id a citizen is known by inside Ideapaja: derived from their identity provider's
    subject, so their ideas find them again, but no event or table holds the subject itself.
    'citizen:' keeps it apart from every idea pseudonym made with the same secret."""
    digest = hmac.new(secret.encode(), f"citizen:{subject}".encode(), hashlib.sha256).hexdigest()
    return CITIZEN_PREFIX + digest[:24]


FORMER_PREFIX = "former-"


@lru_cache(maxsize=65536)
def former_person_id(secret: str, person_id: str) -> str:
    """What an erased person's id becomes in intake's tables (GDPR erasure): the same person
    always gives the same token, so every table and every idea keeps its structure (the
    co-authors of an idea stay distinct, a former employee's comments stay theirs), while the
    person id cannot be recovered from it without the secret. 'former::' keeps it apart from the
    idea pseudonyms ('<idea>:<person>': no id holds a ':', so no idea pseudonym is made of this
    message) and from citizen ids made with the same secret. Remembered: every consumed event
    asks it for each person id in it (is this person erased?)."""
    message = f"former::{person_id}".encode()
    digest = hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
    return FORMER_PREFIX + digest[:24]


def is_former_person(person_id: str) -> bool:
    """Whether an id stands for a former employee (or citizen) whose personal data was erased."""
    return person_id.startswith(FORMER_PREFIX)


# --- person ids in data ------------------------------------------------------------------------

ID_CHARS = "A-Za-z0-9_-"
ID_LIKE = re.compile(rf"[{ID_CHARS}]{{1,64}}")


def erased_ids(secret: str, person_id: str) -> dict[str, str]:
    """The ids the person may be known by here, each with its replacement token: the id itself
    and the citizen id derived from it (a citizen's ideas are under the id derived from their
    identity provider's subject; the derivation is the only mapping, no table keeps one)."""
    ids = (person_id, citizen_person_id(secret, person_id))
    return {known: former_person_id(secret, known) for known in ids}


def mentions(text: str, person_id: str) -> bool:
    """``person_id`` as a whole id in ``text`` (p-1 is not in p-10)."""
    pattern = rf"(?<![{ID_CHARS}]){re.escape(person_id)}(?![{ID_CHARS}])"
    return re.search(pattern, text) is not None


def ids_in(value: Any) -> set[str]:
    """Every string in an event that could be a person id."""
    if isinstance(value, str):
        return {value} if ID_LIKE.fullmatch(value) and not is_former_person(value) else set()
    if isinstance(value, dict):
        return set().union(*(ids_in(v) for v in value.values()))
    if isinstance(value, list | tuple | set):
        return set().union(*(ids_in(v) for v in value))
    return set()
