"""Intake's later events on a real database: edits reach the reviewers (newest revision wins,
out of order or repeated), withdrawals close open cases, and both wait for the submission."""

from __future__ import annotations

import pytest
from review_testkit import ORG, Delivery, FakeClock, idea, org_delivery, review_settings

from ideapaja_contracts.events.idea import IdeaUpdated, IdeaWithdrawn
from ideapaja_contracts.events.review import Decision
from ideapaja_review import handlers
from ideapaja_review.usecases import case_decisions, case_records
from ideapaja_runtime.auth import Principal
from ideapaja_runtime.db import Database
from ideapaja_runtime.messaging import RetryLater
from ideapaja_runtime.outbox import Outbox
from ideapaja_runtime.uow import open_unit_of_work


@pytest.fixture
def deliver(db: Database) -> Delivery:
    return org_delivery(
        db,
        {IdeaUpdated: handlers.on_idea_updated, IdeaWithdrawn: handlers.on_idea_withdrawn},
        settings=review_settings(),
        clock=FakeClock(),
    )


def edit(idea_id: str, revision: int, title: str, by: str = "p-author") -> IdeaUpdated:
    return IdeaUpdated(
        idea_id=idea_id,
        revision=revision,
        title=title,
        problem="Uusi ongelmakuvaus.",
        solution="Uusi ratkaisu.",
        edited_by=by,
    )


async def case_of(db: Database, idea_id: str) -> case_records.CaseRecord:
    async with db.transaction() as session:
        return await case_records.get_case(session, idea_id=idea_id)


async def test_the_newest_revision_wins_whatever_the_order(db: Database, deliver: Delivery) -> None:
    await deliver.all(ORG)
    await deliver(idea("i-edit", anonymous=True))
    await deliver(edit("i-edit", 3, "Kolmas versio"))
    await deliver(edit("i-edit", 2, "Toinen versio"))  # late: changes nothing
    await deliver(edit("i-edit", 3, "Kolmas versio"))  # repeated: changes nothing
    record = await case_of(db, "i-edit")
    assert (record.case.title, record.case.content_revision) == ("Kolmas versio", 3)
    assert record.case.problem == "Uusi ongelmakuvaus."
    updates = [h for h in record.history if h.action == "idea_updated"]
    # One record, and the anonymous author is named by the pseudonym.
    assert [(h.details, h.reason, h.actor_id) for h in updates] == [
        ({"revision": 3}, None, "a-ref1")
    ]


async def test_an_edit_or_withdrawal_before_the_submission_waits(
    db: Database, deliver: Delivery
) -> None:
    with pytest.raises(RetryLater):
        await deliver(edit("i-early", 2, "Liian aikaisin"))
    with pytest.raises(RetryLater):
        await deliver(IdeaWithdrawn(idea_id="i-early", withdrawn_by="p-author"))
    await deliver(idea("i-early"))
    await deliver(edit("i-early", 2, "Nyt"))
    assert (await case_of(db, "i-early")).case.title == "Nyt"


async def test_withdrawal_closes_an_open_case_and_only_notes_a_decided_one(
    db: Database, deliver: Delivery
) -> None:
    await deliver.all(ORG)
    await deliver(idea("i-open"))
    await deliver(IdeaWithdrawn(idea_id="i-open", withdrawn_by="p-author", reason="Vanhentui."))
    record = await case_of(db, "i-open")
    assert (record.case.state, record.case.due_at) == ("withdrawn", None)
    assert (record.history[-1].action, record.history[-1].reason) == ("withdraw", "Vanhentui.")
    # Repeated: nothing more to close, it is only noted.
    await deliver(IdeaWithdrawn(idea_id="i-open", withdrawn_by="p-author"))
    assert (await case_of(db, "i-open")).history[-1].action == "idea_withdrawn"

    await deliver(idea("i-accepted"))
    async with open_unit_of_work(
        db,
        review_settings(),
        Outbox("/ideapaja/review"),
        clock=FakeClock(),
        actor=Principal("p-admin", frozenset({"admin"}), frozenset()),
    ) as uow:
        record = await case_records.get_case(uow.session, idea_id="i-accepted")
        await case_decisions.decide(
            uow,
            record.case.case_id,
            decision=Decision.ACCEPTED,
            rationale="Hyvä.",
        )
    await deliver(IdeaWithdrawn(idea_id="i-accepted", withdrawn_by="p-author"))
    kept = await case_of(db, "i-accepted")
    assert (kept.case.state, kept.case.decision) == ("decided", "accepted")
    assert kept.history[-1].action == "idea_withdrawn"
