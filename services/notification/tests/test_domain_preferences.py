"""Preferences and digest timing as pure rules: role defaults, kinds that cannot be turned off,
the digest's due moment across Helsinki's DST changes, and grouping by idea."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from ideapaja_notification.domain.digests import (
    CITY_ZONE,
    DigestLine,
    group_by_idea,
    latest_slot,
)
from ideapaja_notification.domain.kinds import TemplateId
from ideapaja_notification.domain.preferences import (
    MANDATORY_KINDS,
    Frequency,
    MandatoryKind,
    UnknownKind,
    check_choice,
    default_for,
    effective,
    kind_named,
)

SEVEN = time(7, 0)


@pytest.mark.parametrize(
    ("roles", "comments"),
    [
        (["employee"], Frequency.DAILY),
        (["management"], Frequency.WEEKLY),
        (["employee", "management"], Frequency.DAILY),
        (["employee", "change_agent"], Frequency.IMMEDIATELY),
        (["supervisor"], Frequency.IMMEDIATELY),
        ([], Frequency.DAILY),
        (None, Frequency.DAILY),
    ],
)
def test_defaults_come_from_the_roles(roles: list[str] | None, comments: Frequency) -> None:
    assert default_for(TemplateId.IDEA_COMMENTED, roles) is comments
    assert default_for(TemplateId.PRACTICE_ADOPTED, roles) is comments
    # Decisions, rewards and the work list go out at once, whoever it is.
    for kind in (TemplateId.IDEA_ACCEPTED, TemplateId.REWARD_GRANTED, TemplateId.CASE_TO_REVIEW):
        assert default_for(kind, roles) is Frequency.IMMEDIATELY


def test_kinds_that_ask_to_act_cannot_be_turned_off_only_gathered() -> None:
    assert TemplateId.IDEA_NEEDS_INFO in MANDATORY_KINDS
    for kind in TemplateId:
        for frequency in (Frequency.IMMEDIATELY, Frequency.DAILY, Frequency.WEEKLY):
            check_choice(kind, frequency)
        if kind in MANDATORY_KINDS:
            with pytest.raises(MandatoryKind):
                check_choice(kind, Frequency.OFF)
            # An "off" stored before the kind became mandatory is sent at once.
            assert effective(kind, Frequency.OFF, ["employee"]) is Frequency.IMMEDIATELY
        else:
            check_choice(kind, Frequency.OFF)
            assert effective(kind, Frequency.OFF, ["employee"]) is Frequency.OFF
    with pytest.raises(UnknownKind):
        kind_named("idea_liked")


def _helsinki(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=CITY_ZONE)


@pytest.mark.parametrize(
    ("change_day", "before", "after"),
    [
        (date(2026, 3, 29), timedelta(hours=2), timedelta(hours=3)),  # to summer time
        (date(2026, 10, 25), timedelta(hours=3), timedelta(hours=2)),  # back to winter time
    ],
)
def test_the_daily_slot_is_seven_local_on_each_side_of_a_dst_change(
    change_day: date, before: timedelta, after: timedelta
) -> None:
    eve, day_after = change_day - timedelta(days=1), change_day + timedelta(days=1)
    for day, offset in ((eve, before), (change_day, after), (day_after, after)):
        seven_utc = datetime(day.year, day.month, day.day, 7, tzinfo=UTC) - offset
        slot = latest_slot(seven_utc, Frequency.DAILY, at=SEVEN, weekday=0)
        assert (slot.local_date, slot.due_at) == (day, seven_utc)
        just_before = latest_slot(
            seven_utc - timedelta(seconds=1), Frequency.DAILY, at=SEVEN, weekday=0
        )
        assert just_before.local_date == day - timedelta(days=1)
    # At 05:00 UTC on the change day it is 08:00 local in summer (March) but 07:00 in winter.
    five_utc = datetime(change_day.year, change_day.month, change_day.day, 5, tzinfo=UTC)
    assert latest_slot(five_utc, Frequency.DAILY, at=SEVEN, weekday=0).local_date == change_day


def test_a_wall_time_the_spring_change_skips_still_gives_one_slot_that_day() -> None:
    """03:30 does not exist on 29 March 2026 in Helsinki: the digest goes at 04:30 summer time."""
    day = date(2026, 3, 29)
    slot = latest_slot(_helsinki(day, 12), Frequency.DAILY, at=time(3, 30), weekday=0)
    assert slot.local_date == day
    assert slot.due_at.astimezone(UTC) == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)


def test_the_weekly_slot_is_the_latest_configured_weekday() -> None:
    wednesday = date(2026, 10, 28)
    monday = date(2026, 10, 26)  # the day after the autumn change
    slot = latest_slot(_helsinki(wednesday, 9), Frequency.WEEKLY, at=SEVEN, weekday=0)
    assert (slot.local_date, slot.key) == (monday, "digest:weekly:2026-10-26")
    assert slot.due_at == _helsinki(monday, 7)
    early = latest_slot(_helsinki(monday, 6, 59), Frequency.WEEKLY, at=SEVEN, weekday=0)
    assert early.local_date == monday - timedelta(days=7)


def test_lines_are_grouped_by_idea_oldest_first_the_idealess_last() -> None:
    t0 = datetime(2026, 3, 1, tzinfo=UTC)

    def line(idea: str | None, minutes: int) -> DigestLine:
        title = {"i-1": "Iltakirjasto", "i-2": "Pyöräparkki"}.get(idea or "")
        return DigestLine(idea, title, f"t{minutes}", "x", t0 + timedelta(minutes=minutes))

    groups = group_by_idea([line("i-2", 5), line(None, 1), line("i-1", 3), line("i-2", 2)])
    assert [(g.idea_id, g.idea_title) for g in groups] == [
        ("i-2", "Pyöräparkki"),
        ("i-1", "Iltakirjasto"),
        (None, None),
    ]
    assert [[ln.title for ln in g.lines] for g in groups] == [["t2", "t5"], ["t3"], ["t1"]]
