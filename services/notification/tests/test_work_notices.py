"""Notices to the people who work on an idea (usecases/work_notices.py), on both databases:
reviewers hear of a case on their work list and of an escalation, reward approvers of a proposal
waiting for their step (a supervisor only for the idea's unit); none of them learns who wrote an
anonymous idea."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from notification_testkit import (
    CASE,
    choose,
    deliveries,
    digest_items,
    handle,
    handle_twice,
    inbox_items,
    person,
    retention_expired,
    submitted,
)
from sqlalchemy import select

from ideapaja_contracts.events.review import (
    CaseDeadlineNear,
    CaseEscalated,
    ReviewStarted,
    ScreeningStarted,
)
from ideapaja_contracts.events.reward import (
    AwardApproved,
    AwardProposed,
    AwardRejected,
    RewardKind,
)
from ideapaja_notification import handlers
from ideapaja_notification.db.models import AwardChain
from ideapaja_notification.domain.preferences import Frequency
from ideapaja_runtime.db import Database

AUTHORS = {"p-1": "Aino Aaltonen", "p-2": "Sven Berg"}
STAFF = {
    # person: (language, unit, roles)
    "r-fi": ("fi", "u-kirjasto", ["change_agent"]),
    "r-sv": ("sv", "u-kirjasto", ["change_agent"]),
    "r-en": ("en", "u-kirjasto", ["change_agent"]),
    "s-own": ("fi", "u-kirjasto", ["supervisor"]),
    "s-other": ("fi", "u-uimahalli", ["supervisor"]),
    "m-1": ("sv", "u-keskus", ["management", "employee"]),
    "m-2": ("en", "u-keskus", ["management"]),
}


async def _people_and_idea(db: Database) -> None:
    for pid, name in AUTHORS.items():
        await handle(db, handlers.on_person_upserted, person(pid, name=name, roles=["supervisor"]))
    for pid, (language, unit, roles) in STAFF.items():
        await handle(
            db,
            handlers.on_person_upserted,
            person(pid, name=f"Staff {pid}", language=language, unit_id=unit, roles=roles),
        )
    await handle(
        db,
        handlers.on_idea_submitted,
        submitted("i-1", authors=list(AUTHORS), title="Iltakirjasto", anonymous=True),
    )


async def _mails(db: Database) -> dict[str, list[tuple[str, str, str]]]:
    found: dict[str, list[tuple[str, str, str]]] = {}
    for row in await deliveries(db):
        found.setdefault(row.person_id, []).append((row.template, row.subject, row.body))
    return found


def _no_author_named(mails: dict[str, list[tuple[str, str, str]]]) -> None:
    assert not set(mails) & set(AUTHORS)
    text = str(mails)
    assert all(pid not in text and name not in text for pid, name in AUTHORS.items())


async def test_a_new_case_reaches_its_reviewers_on_their_work_list(
    notification_db: Database,
) -> None:
    db = notification_db
    await _people_and_idea(db)
    screening = ScreeningStarted(**CASE, reviewer_ids=["r-fi", "r-sv", "r-en"])
    await handle_twice(db, handlers.on_screening_started, screening)  # a replay
    mails = await _mails(db)
    assert {pid: [m[1] for m in got] for pid, got in mails.items()} == {
        "r-fi": ["Uusi idea työlistallasi: Iltakirjasto"],
        "r-sv": ["En ny idé på din arbetslista: Iltakirjasto"],
        "r-en": ["A new idea on your work list: Iltakirjasto"],
    }
    assert {(i.kind, i.link) for i in await inbox_items(db)} == {
        ("case_to_screen", "/work/cases/c-1")
    }
    _no_author_named(mails)


async def test_review_started_tells_the_deadline_in_each_language(
    notification_db: Database,
) -> None:
    db = notification_db
    await _people_and_idea(db)
    started = ReviewStarted(
        **CASE,
        started_by="r-fi",
        reviewer_ids=["r-fi", "r-sv", "r-en"],
        # 23:30 UTC is already the next day in Helsinki.
        due_at=datetime(2026, 3, 14, 23, 30, tzinfo=UTC),
    )
    await handle(db, handlers.on_review_started, started)
    mails = await _mails(db)
    assert "Määräaika: 15.3.2026" in mails["r-fi"][0][2]
    assert "Tidsfrist: 15.3.2026" in mails["r-sv"][0][2]
    assert "Deadline: 15 March 2026" in mails["r-en"][0][2]
    _no_author_named(mails)


async def test_an_escalation_reaches_the_added_and_the_present_reviewers_once(
    notification_db: Database,
) -> None:
    db = notification_db
    await _people_and_idea(db)
    escalated = CaseEscalated(
        **CASE,
        step="in_review",
        due_at=datetime(2026, 3, 1, 10, tzinfo=UTC),
        level=1,
        escalated_to="department",
        added_reviewer_ids=["m-2"],
        reviewer_ids=["r-fi", "m-2"],
        next_due_at=datetime(2026, 3, 8, 10, tzinfo=UTC),
    )
    await handle(db, handlers.on_case_escalated, escalated)
    mails = await _mails(db)
    assert sorted(mails) == ["m-2", "r-fi"] and all(len(m) == 1 for m in mails.values())
    [(_, _, body)] = mails["r-fi"]
    # The step code is translated: no English inside a Finnish message.
    assert "Idean ”Iltakirjasto” arviointi ei valmistunut määräaikaan 1.3.2026" in body
    assert "in_review" not in body and "Uusi määräaika: 8.3.2026" in body
    assert "The review of the idea “Iltakirjasto”" in mails["m-2"][0][2]
    _no_author_named(mails)


def _deadline_near(**changes: object) -> CaseDeadlineNear:
    fields: dict[str, object] = {
        **CASE,
        "step": "screening",
        # 22:30 UTC is already the next day in Helsinki.
        "due_at": datetime(2026, 3, 14, 22, 30, tzinfo=UTC),
        "level": 0,
        "reviewer_ids": ["r-fi", "r-sv", "r-en"],
    }
    return CaseDeadlineNear(**{**fields, **changes})  # type: ignore[arg-type]


async def test_a_deadline_near_reaches_each_reviewer_once_in_their_language(
    notification_db: Database,
) -> None:
    db = notification_db
    await _people_and_idea(db)
    near = _deadline_near()
    await handle_twice(db, handlers.on_case_deadline_near, near)  # redelivered
    mails = await _mails(db)
    assert {pid: [(m[0], m[1]) for m in got] for pid, got in mails.items()} == {
        "r-fi": [("case_deadline_near", "Määräaika lähestyy: Iltakirjasto")],
        "r-sv": [("case_deadline_near", "En tidsfrist närmar sig: Iltakirjasto")],
        "r-en": [("case_deadline_near", "A deadline is near: Iltakirjasto")],
    }
    # The step code is translated and the deadline is the Helsinki date.
    assert "Idean ”Iltakirjasto” esikäsittely erääntyy 15.3.2026" in mails["r-fi"][0][2]
    assert (
        "Idén ”Iltakirjasto”: förhandsgranskningen ska vara klar 15.3.2026" in (mails["r-sv"][0][2])
    )
    assert (
        "The screening of the idea “Iltakirjasto” is due on 15 March 2026" in (mails["r-en"][0][2])
    )
    assert all("screening" not in m[0][2] for pid, m in mails.items() if pid != "r-en")
    [html] = [row.html for row in await deliveries(db) if row.person_id == "r-sv"]
    assert html is not None and "förhandsgranskningen" in html
    items = await inbox_items(db)
    assert sorted((i.person_id, i.kind, i.link) for i in items) == [
        (pid, "case_deadline_near", "/work/cases/c-1") for pid in ("r-en", "r-fi", "r-sv")
    ]
    assert {i.language for i in items} == {"fi", "sv", "en"}
    _no_author_named(mails)


async def test_a_deadline_near_follows_each_reviewers_preference(
    notification_db: Database,
) -> None:
    """Not a kind that asks for action of its own (the case on the list did): it can be turned
    off or gathered into a digest; the inbox item comes whatever is chosen."""
    db = notification_db
    await _people_and_idea(db)
    await choose(db, "r-fi", {"case_deadline_near": Frequency.OFF})
    await choose(db, "r-sv", {"case_deadline_near": Frequency.DAILY})
    near = _deadline_near()
    await handle_twice(db, handlers.on_case_deadline_near, near)  # redelivered
    assert sorted(await _mails(db)) == ["r-en"]
    assert [(d.person_id, d.kind) for d in await digest_items(db)] == [
        ("r-sv", "case_deadline_near")
    ]
    assert sorted(i.person_id for i in await inbox_items(db)) == ["r-en", "r-fi", "r-sv"]


def _proposal(**changes: object) -> AwardProposed:
    fields: dict[str, object] = {
        "idea_id": "i-1",
        "award_id": "a-1",
        "proposed_by": "r-fi",
        "kind": RewardKind.MONEY,
        "amount": Decimal("150.00"),
        "recipient_ids": ["p-1", "p-2"],
        "justification": "Säästää 20 tuntia kuussa",
        "approval_roles": ["supervisor", "management"],
    }
    return AwardProposed(**{**fields, **changes})  # type: ignore[arg-type]


async def test_a_proposal_reaches_the_supervisors_of_the_ideas_unit_then_the_next_step(
    notification_db: Database,
) -> None:
    db = notification_db
    await _people_and_idea(db)
    proposal = _proposal()
    await handle_twice(db, handlers.on_award_proposed, proposal)  # a replay
    mails = await _mails(db)
    # The idea's unit's supervisor; not another unit's, nor the authors (its recipients), who
    # are supervisors too.
    assert list(mails) == ["s-own"]
    [(kind, subject, body)] = mails["s-own"]
    assert kind == "award_awaiting_approval"
    assert subject == "Palkkioehdotus odottaa hyväksyntääsi: Iltakirjasto"
    assert "150\u00a0€" in body and "(vaihe 1/2)" in body
    [item] = await inbox_items(db)
    assert item.link == "/awards/a-1"

    approved = AwardApproved(
        idea_id="i-1", award_id="a-1", approved_by="s-own", step=1, role="supervisor", final=False
    )
    await handle(db, handlers.on_award_approved, approved)
    mails = await _mails(db)
    assert sorted(mails) == ["m-1", "m-2", "s-own"]
    assert "(steg 2/2)" in mails["m-1"][0][2] and "150\u00a0€" in mails["m-1"][0][2]
    assert "(step 2 of 2)" in mails["m-2"][0][2] and "€150" in mails["m-2"][0][2]
    _no_author_named(mails)

    # The last step grants it: nobody else is asked, and the chain is forgotten; an award never
    # seen asks nobody.
    final = approved.model_copy(update={"approved_by": "m-1", "step": 2, "final": True})
    await handle(db, handlers.on_award_approved, final)
    unknown = approved.model_copy(update={"award_id": "a-unknown"})
    await handle(db, handlers.on_award_approved, unknown)
    assert len(await deliveries(db)) == 3
    assert await _chains(db) == []


async def _chains(db: Database) -> list[str]:
    async with db.transaction() as session:
        return list((await session.scalars(select(AwardChain.award_id))).all())


async def test_who_approved_a_step_is_not_asked_for_a_later_one(notification_db: Database) -> None:
    db = notification_db
    await _people_and_idea(db)
    # m-1 and m-2 hold management, which approves both steps of this chain.
    proposal = _proposal(approval_roles=["management", "management"])
    await handle(db, handlers.on_award_proposed, proposal)
    approved = AwardApproved(
        idea_id="i-1", award_id="a-1", approved_by="m-1", step=1, role="management", final=False
    )
    await handle(db, handlers.on_award_approved, approved)
    steps = sorted((r.person_id, "(steg 2/2)" in r.body or "(step 2 of 2)" in r.body)
                   for r in await deliveries(db))  # fmt: skip
    assert steps == [("m-1", False), ("m-2", False), ("m-2", True)]


async def test_a_rejected_award_or_an_idea_past_retention_forgets_its_chain(
    notification_db: Database,
) -> None:
    db = notification_db
    await _people_and_idea(db)
    await handle(db, handlers.on_award_proposed, _proposal())
    await handle(db, handlers.on_award_proposed, _proposal(award_id="a-2"))
    rejected = AwardRejected(idea_id="i-1", award_id="a-1", rejected_by="s-own", reason="Ei")
    await handle(db, handlers.on_award_rejected, rejected)
    assert await _chains(db) == ["a-2"]
    expired = retention_expired("i-1")
    await handle(db, handlers.on_idea_retention_expired, expired)
    assert await _chains(db) == []


async def test_a_proposal_no_one_can_approve_yet_mails_nobody(notification_db: Database) -> None:
    db = notification_db
    await _people_and_idea(db)
    await handle(db, handlers.on_award_proposed, _proposal(approval_roles=["reward_approver"]))
    await handle(db, handlers.on_award_proposed, _proposal(award_id="a-2", approval_roles=None))
    assert await deliveries(db) == []
