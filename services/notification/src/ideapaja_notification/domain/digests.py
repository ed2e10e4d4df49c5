"""When digests are due, and how their items are gathered (pure: no clock, no database).

A digest is due at a local wall-clock time in the city's time zone (Europe/Helsinki), daily or
on one weekday. Its period is named by the local date of the latest such moment, so a daily
digest is one per local day whatever the UTC offset does: on the last Sundays of March and
October Helsinki moves between +02:00 and +03:00, and 07:00 local is then 05:00 or 04:00 UTC.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from ideapaja_notification.domain.preferences import Frequency

CITY_ZONE = ZoneInfo("Europe/Helsinki")


def digest_template(frequency: Frequency) -> str:
    """A digest delivery's ``template``: digest_daily or digest_weekly."""
    return f"digest_{frequency.value}"


@dataclass(frozen=True)
class Slot:
    """The latest moment a digest was due: its local date names the period."""

    frequency: Frequency
    local_date: date
    due_at: datetime

    @property
    def key(self) -> str:
        return f"digest:{self.frequency.value}:{self.local_date.isoformat()}"


def latest_slot(
    now: datetime,
    frequency: Frequency,
    *,
    at: time,
    weekday: int,
    zone: ZoneInfo = CITY_ZONE,
) -> Slot:
    """The latest moment at or before ``now`` when a ``frequency`` digest was due: ``at`` local
    time each day (daily) or on ``weekday`` (weekly, Monday = 0)."""
    local_now = now.astimezone(zone)
    day = local_now.date()
    while True:
        if frequency is Frequency.DAILY or day.weekday() == weekday:
            # A wall time skipped by the spring change (03:00-04:00) reads as the hour after;
            # one repeated by the autumn change as its first occurrence (fold=0).
            due = datetime.combine(day, at, tzinfo=zone)
            if due <= local_now:
                return Slot(frequency, day, due)
        day -= timedelta(days=1)


@dataclass(frozen=True)
class DigestLine:
    """One notice in a digest: its title and short text, in the person's language."""

    idea_id: str | None
    idea_title: str | None
    title: str
    text: str
    created_at: datetime


@dataclass(frozen=True)
class IdeaGroup:
    idea_id: str | None
    idea_title: str | None
    lines: tuple[DigestLine, ...]


def group_by_idea(lines: Sequence[DigestLine]) -> list[IdeaGroup]:
    """The lines grouped by idea, the idea with the oldest line first and each group's lines
    oldest first; lines about no idea last."""
    groups: dict[str | None, list[DigestLine]] = {}
    for line in sorted(lines, key=lambda one: one.created_at):
        groups.setdefault(line.idea_id, []).append(line)
    ordered = sorted(groups.items(), key=lambda entry: entry[0] is None)
    return [
        IdeaGroup(
            idea_id, next((ln.idea_title for ln in group if ln.idea_title), None), tuple(group)
        )
        for idea_id, group in ordered
    ]
