"""The privacy service's domain errors (each answers as its runtime class does; no mapping of
their own is needed)."""

from __future__ import annotations

from ideapaja_runtime.errors import NotFound


class UnknownPerson(NotFound):
    title = "Unknown person"

    def __init__(self, person_id: str) -> None:
        super().__init__(f"Neither HR nor an erasure has named {person_id}.")
