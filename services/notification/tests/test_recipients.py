"""The recipients issue 17 added: supporters (a withdrawal, retention and erasure forget them),
a committee's members (invitation, scoring, minutes; the time said as the city writes it), the
idea's unit on adoption, and one message (not two) for a periodic award's winner."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from notification_testkit import (
    decided,
    deliveries,
    handle,
    inbox_items,
    person,
    retention_expired,
    submitted,
)
from sqlalchemy import select

from ideapaja_contracts.events.idea import IdeaSupported
from ideapaja_contracts.events.progress import PracticeAdopted
from ideapaja_contracts.events.review import AgendaCase, MeetingScheduled, MinutesPublished
from ideapaja_contracts.events.reward import (
    PeriodicAwardDecided,
    PeriodicAwardKind,
    RewardGranted,
    RewardKind,
)
from ideapaja_notification import handlers
from ideapaja_notification.db.models import Supporter
from ideapaja_runtime.db import Database
from ideapaja_runtime.testing_builders import erasure_requested


def supported(idea_id: str, person_id: str, *, withdrawn: bool = False) -> IdeaSupported:
    return IdeaSupported(
        idea_id=idea_id, supporter_id=person_id, withdrawn=withdrawn, support_count=1
    )


async def _people(db: Database, *people: tuple[str, str, list[str], str]) -> None:
    for pid, language, roles, unit in people:
        await handle(
            db,
            handlers.on_person_upserted,
            person(pid, language=language, roles=roles, unit_id=unit),
        )


async def test_supporters_hear_the_decision_until_they_withdraw(notification_db: Database) -> None:
    db = notification_db
    await _people(
        db, ("p-a", "fi", [], "u-1"), ("p-s1", "sv", [], "u-2"), ("p-s2", "fi", [], "u-2")
    )
    await handle(db, handlers.on_idea_submitted, submitted("i-1", authors=["p-a"]))
    for event in (supported("i-1", "p-s1"), supported("i-1", "p-s2"), supported("i-1", "p-a")):
        await handle(db, handlers.on_idea_supported, event)
    await handle(db, handlers.on_idea_supported, supported("i-1", "p-s2", withdrawn=True))
    decision = decided("i-1", rationale="Säästää aikaa.")
    await handle(db, handlers.on_review_decided, decision)
    await handle(db, handlers.on_review_decided_for_supporters, decision)

    rows = {(r.person_id, r.template): r for r in await deliveries(db)}
    # The author once, as the author; the one who withdrew, not at all.
    assert set(rows) == {("p-a", "idea_accepted"), ("p-s1", "supported_idea_decided")}
    swedish = rows[("p-s1", "supported_idea_decided")]
    assert "som du stöder har godkänts" in swedish.body
    assert "Säästää aikaa." in swedish.body


async def test_retention_and_erasure_forget_supporters(notification_db: Database) -> None:
    db = notification_db
    for idea_id, pid in (("i-1", "p-s1"), ("i-2", "p-s1"), ("i-2", "p-s2")):
        await handle(db, handlers.on_idea_supported, supported(idea_id, pid))
    await handle(
        db,
        handlers.on_idea_retention_expired,
        retention_expired("i-1"),
    )
    await handle(db, handlers.on_erasure_requested, erasure_requested("p-s2"))
    async with db.transaction() as session:
        left = (await session.execute(select(Supporter.idea_id, Supporter.person_id))).all()
    assert [tuple(r) for r in left] == [("i-2", "p-s1")]


async def test_a_meeting_invitation_lists_the_agenda_and_its_time_in_city_time(
    notification_db: Database,
) -> None:
    db = notification_db
    await _people(db, ("k-1", "fi", ["committee_member"], "u-1"), ("k-2", "sv", [], "u-1"))
    invitation = MeetingScheduled(
        meeting_id="m-1",
        committee_id="c-1",
        title="Toukokuun kokous",
        # 11:00 UTC is 14.00 in Helsinki (summer time).
        scheduled_at=datetime(2026, 5, 6, 11, tzinfo=UTC),
        agenda=[
            AgendaCase(case_id="c-1", idea_id="i-1", title="Pyöräparkki"),
            AgendaCase(case_id="c-2", idea_id="i-2", title="<b>Tekstitys</b>"),
        ],
        member_ids=["k-1", "k-2"],
        called_by="p-chair",
    )
    await handle(db, handlers.on_meeting_scheduled, invitation)
    rows = {r.person_id: r for r in await deliveries(db)}
    assert rows["k-1"].subject == (
        "Kutsu toimikunnan kokoukseen: Toukokuun kokous, 6.5.2026 klo 14.00"
    )
    assert "– Pyöräparkki\n– <b>Tekstitys</b>" in rows["k-1"].body
    assert "&lt;b&gt;Tekstitys&lt;/b&gt;" in (rows["k-1"].html or "")
    assert "6.5.2026 kl. 14.00" in rows["k-2"].body
    [item] = await inbox_items(db, "k-2")
    assert item.link == "/meetings/m-1"


async def test_minutes_from_before_members_were_named_tell_nobody(
    notification_db: Database,
) -> None:
    minutes = MinutesPublished(
        meeting_id="m-1", committee_id="c-1", title="Kokous", closed_by="p-chair"
    )
    await handle(notification_db, handlers.on_minutes_published, minutes)
    assert await deliveries(notification_db) == []


async def test_adoption_tells_the_ideas_unit_but_not_within_the_same_unit(
    notification_db: Database,
) -> None:
    db = notification_db
    await _people(
        db,
        ("p-a", "fi", ["change_agent"], "u-1"),  # the author: told as the author only
        ("p-sup", "fi", ["supervisor"], "u-1"),
        ("p-ca", "sv", ["change_agent"], "u-1"),
        ("p-emp", "fi", ["employee"], "u-1"),  # not a role that hears it
        ("p-other", "fi", ["supervisor"], "u-2"),  # another unit's supervisor
    )
    idea = submitted("i-1", authors=["p-a"]).model_copy(update={"unit_id": "u-1"})
    await handle(db, handlers.on_idea_submitted, idea)
    adopted = PracticeAdopted(
        idea_id="i-1", practice_id="g-1", adopting_unit_id="u-2", reported_by="p-other"
    )
    await handle(db, handlers.on_practice_adopted, adopted)
    told = sorted((r.person_id, r.template) for r in await deliveries(db))
    assert told == [
        ("p-a", "practice_adopted"),
        ("p-ca", "unit_practice_adopted"),
        ("p-sup", "unit_practice_adopted"),
    ]
    # The unit adopting its own practice again is no news to it.
    again = adopted.model_copy(update={"adopting_unit_id": "u-1", "practice_id": "g-2"})
    await handle(db, handlers.on_practice_adopted, again)
    assert len(await deliveries(db)) == 4


async def test_a_periodic_award_winner_gets_one_message(notification_db: Database) -> None:
    """The award announces the winners (award, period, points); the recognition each winner's
    RewardGranted books is no second message. Any other reward still is one."""
    db = notification_db
    await _people(db, ("p-a", "fi", [], "u-1"))
    await handle(db, handlers.on_idea_submitted, submitted("i-1", authors=["p-a"]))
    award = PeriodicAwardDecided(
        round_id="r-1", award=PeriodicAwardKind.IDEA_OF_THE_MONTH, period="2026-03",
        idea_id="i-1", unit_id="u-1", recipient_ids=["p-a"], points=100, decided_by="p-chair",
    )  # fmt: skip
    recognition = RewardGranted(
        idea_id="i-1", grant_id="g-1", person_id="p-a", kind=RewardKind.RECOGNITION,
        amount=Decimal(0), points=100, reason="Idea of the month 2026-03",
        reason_code="idea_of_the_month",
    )  # fmt: skip
    await handle(db, handlers.on_reward_granted, recognition)
    await handle(db, handlers.on_periodic_award_decided, award)
    other = recognition.model_copy(update={"grant_id": "g-2", "reason_code": "idea_accepted"})
    await handle(db, handlers.on_reward_granted, other)
    assert [r.template for r in await deliveries(db)] == ["periodic_award_won", "reward_granted"]
