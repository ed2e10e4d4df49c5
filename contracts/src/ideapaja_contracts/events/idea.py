"""Ideas as submitted and improved by employees (owned by intake)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import Field

from ideapaja_contracts.base import Id, IdeaKeyedEvent, Language, LongText, ShortText


class Scope(StrEnum):
    UNIT = "unit"
    DEPARTMENT = "department"
    CITY = "city"


class Channel(StrEnum):
    INTRANET_FORM = "intranet_form"
    API = "api"
    CITIZEN = "citizen"


class IdeaEvent(IdeaKeyedEvent):
    """The events of this module, each about one idea."""


class IdeaSubmitted(IdeaEvent, aggregate="idea", name="submitted"):
    """An idea left draft and entered the review process."""

    title: ShortText
    problem: LongText
    solution: LongText
    benefit: LongText = ""
    scope: Scope
    unit_id: Id
    language: Language = "fi"
    channel: Channel = Channel.API
    # Opaque person ids of the confirmed authors. When ``anonymous`` is true, consumers
    # must not show them to reviewers or colleagues; the reward process still uses them.
    author_ids: list[Id] = Field(min_length=1, max_length=20)
    # A stable pseudonym to show instead of the authors when they are anonymous.
    author_ref: Id
    anonymous: bool = False
    team_unit_id: Id | None = None


class IdeaUpdated(IdeaEvent, aggregate="idea", name="updated"):
    """The authors edited a submitted idea; ``revision`` counts from 1 (the submission)."""

    revision: int = Field(ge=2)
    title: ShortText
    problem: LongText
    solution: LongText
    benefit: LongText = ""
    edited_by: Id
    # All confirmed authors after this revision, when it changed them (a co-author confirmed or
    # was removed); None when the authors did not change. Reward pays late co-authors from it.
    author_ids: list[Id] | None = Field(default=None, max_length=20)


class IdeaWithdrawn(IdeaEvent, aggregate="idea", name="withdrawn"):
    withdrawn_by: Id
    reason: ShortText = ""


class IdeaSupported(IdeaEvent, aggregate="idea", name="supported"):
    """A colleague supported (or, with ``withdrawn``, stopped supporting) an idea."""

    supporter_id: Id
    withdrawn: bool = False
    support_count: int = Field(ge=0)


class IdeaCommented(IdeaEvent, aggregate="idea", name="commented"):
    comment_id: Id
    commenter_id: Id
    body: LongText
    hidden: bool = False


class IdeaRetentionExpired(IdeaEvent, aggregate="idea", name="retention_expired"):
    """The idea has been closed (rejected, withdrawn, merged as a duplicate, implemented, a good
    practice, a stopped pilot) for intake's retention period, and intake removed the personal
    data from it: who wrote, supported and commented on it. Every service that holds personal
    data about the idea's authors or participants removes it too. The idea's text, its status
    and the record of decisions on it stay."""

    status: str = Field(max_length=32, description="The closed status the idea is in")
    closed_at: datetime = Field(description="When it reached that status")
    retention_days: int = Field(ge=1, description="The retention period that ran out")
