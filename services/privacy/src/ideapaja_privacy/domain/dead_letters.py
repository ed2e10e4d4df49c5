"""Which dead letters concern an erased person.

A dead letter is an event a consumer gave up on, kept with its original subject and headers
(``ideapaja_runtime.messaging``). It concerns the person when its original subject is their HR
record (``hr.person.<id>``) or when its body or headers name their id as a whole id (``p-1`` is
not in ``p-10``): an HR record with their name and e-mail, an idea they wrote, a reward.

Dead-lettered ``ErasureRequested`` events are kept: they carry only the opaque id and the
request's case number, and an operator must replay them for the erasure to reach the service
that failed it. The dead-letter stream's maximum age removes them in the end like the rest.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from ideapaja_contracts.events.hr import PersonUpserted
from ideapaja_contracts.events.privacy import ErasureRequested

ID_CHARS = "A-Za-z0-9_-"
ORIGINAL_SUBJECT = "ideapaja-original-subject"
EVENT_TYPE = "ce-type"


def hr_record_subject(person_id: str) -> str:
    """The person's record subject in the HR stream (``hr.person.<id>``)."""
    return f"{PersonUpserted.subject_root}.{PersonUpserted.aggregate}.{person_id}"


def names(text: str, person_id: str) -> bool:
    """``person_id`` as a whole id in ``text``."""
    pattern = rf"(?<![{ID_CHARS}]){re.escape(person_id)}(?![{ID_CHARS}])"
    return re.search(pattern, text) is not None


def concerned(headers: Mapping[str, str], body: bytes, person_ids: Iterable[str]) -> set[str]:
    """Which of ``person_ids`` the dead letter concerns (empty: none, or it must stay)."""
    lower = {key.lower(): value for key, value in headers.items()}
    if lower.get(EVENT_TYPE) == ErasureRequested.event_type():
        return set()
    original = lower.get(ORIGINAL_SUBJECT, "")
    text = body.decode("utf-8", "replace") + "\n" + "\n".join(headers.values())
    return {
        person_id
        for person_id in person_ids
        if original == hr_record_subject(person_id) or names(text, person_id)
    }
