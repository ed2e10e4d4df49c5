"""The base of every event contract.

An event class declares, once, where it travels (its NATS subject) and what it is called
(its CloudEvents type). Everything else in the system reads those two facts from here.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, ClassVar

from pydantic import BaseModel, ConfigDict, StringConstraints

# Ids travel inside NATS subjects (`hr.person.<id>`), so they may not contain the
# subject separators or wildcards ('.', '*', '>') or whitespace.
ID_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"
Id = Annotated[str, StringConstraints(pattern=ID_PATTERN)]
# A citizen (Suomi.fi channel) is known inside Ideapaja by this prefix and 24 hex digits, derived
# from their identity provider's subject: HR never sends them, so services tell them apart.
CITIZEN_ID_PREFIX = "c-"
CITIZEN_ID_PATTERN = re.compile(r"^c-[0-9a-f]{24}$")


def is_citizen_id(person_id: str) -> bool:
    return CITIZEN_ID_PATTERN.fullmatch(person_id) is not None


ShortText = Annotated[str, StringConstraints(max_length=200)]
LongText = Annotated[str, StringConstraints(max_length=10_000)]
Language = Annotated[str, StringConstraints(pattern=r"^(fi|sv|en)$")]

SUBJECT_ROOT = "ideapaja"
TYPE_ROOT = "ideapaja"

_TOKEN = re.compile(r"^[a-z][a-z0-9_]*$")


class Event(BaseModel):
    """An immutable fact. Consumers ignore fields they do not know (additive changes keep v1)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    # Set by each concrete event class through ``__init_subclass__`` keywords.
    aggregate: ClassVar[str]
    name: ClassVar[str]
    version: ClassVar[int]
    # HR-sourced records use their own subject root; see ``subject_for``.
    subject_root: ClassVar[str] = SUBJECT_ROOT

    def __init_subclass__(
        cls,
        *,
        aggregate: str | None = None,
        name: str | None = None,
        version: int = 1,
        subject_root: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init_subclass__(**kwargs)
        if aggregate is None or name is None:
            return  # an abstract intermediate class
        for token in (aggregate, name):
            if not _TOKEN.match(token):
                raise ValueError(f"{cls.__name__}: {token!r} is not a valid subject token")
        cls.aggregate = aggregate
        cls.name = name
        cls.version = version
        if subject_root is not None:
            cls.subject_root = subject_root

    @classmethod
    def event_type(cls) -> str:
        """The CloudEvents ``type``, e.g. ``ideapaja.idea.submitted.v1``."""
        return f"{TYPE_ROOT}.{cls.aggregate}.{cls.name}.v{cls.version}"

    @classmethod
    def subject_pattern(cls) -> str:
        """The subject (or wildcard for per-record subjects) a consumer subscribes to."""
        if cls.subject_root == SUBJECT_ROOT:
            return cls.event_type()
        return f"{cls.subject_root}.{cls.aggregate}.*"

    def aggregate_id(self) -> str:
        """The id of the aggregate this event is about (CloudEvents ``subject``)."""
        raise NotImplementedError(f"{type(self).__name__} must define aggregate_id()")

    def subject(self) -> str:
        """The NATS subject this event is published on.

        Lifecycle events share one subject per type; HR records get one subject per record
        (``hr.person.<id>``) so the HR stream keeps only each record's latest version.
        """
        if self.subject_root == SUBJECT_ROOT:
            return self.event_type()
        return f"{self.subject_root}.{self.aggregate}.{self.aggregate_id()}"


class IdeaKeyedEvent(Event):
    """An event about one idea: ``idea_id`` is its aggregate (CloudEvents ``subject``)."""

    idea_id: Id

    def aggregate_id(self) -> str:
        return self.idea_id
