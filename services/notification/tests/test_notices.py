"""Notices to an idea's authors (usecases/notices.py), on both databases: who hears what, in
their own language, in the inbox and by e-mail, once per event, and an anonymous idea's authors
told only themselves."""

from __future__ import annotations

from datetime import date

import pytest
from notification_testkit import (
    deliveries,
    handle,
    handle_twice,
    inbox_items,
    person,
    revised,
    submitted,
    wants_everything_at_once,
)

from ideapaja_contracts.events.idea import IdeaCommented, IdeaUpdated
from ideapaja_contracts.events.progress import (
    ExperimentStarted,
    ImplementationCompleted,
    PracticeAdopted,
    PracticePublished,
)
from ideapaja_contracts.events.review import InfoRequested
from ideapaja_contracts.events.reward import PeriodicAwardDecided, PeriodicAwardKind
from ideapaja_notification import handlers
from ideapaja_runtime.db import Database
from ideapaja_runtime.messaging import RetryLater

NAMES = {"p-1": "Aino Aaltonen", "p-2": "Sven Berg", "p-3": "Emma Clark", "p-9": "Ville Virta"}
LANGUAGE = {"p-1": "fi", "p-2": "sv", "p-3": "en", "p-9": "fi"}


async def _idea(db: Database, *, anonymous: bool = False) -> None:
    """p-1, p-2 and p-3 wrote i-1; everyone chose to have every message e-mailed at once (an
    employee's default gathers comments into a digest: test_preferences.py)."""
    for pid, name in NAMES.items():
        await handle(
            db, handlers.on_person_upserted, person(pid, name=name, language=LANGUAGE[pid])
        )
        await wants_everything_at_once(db, pid)
    await handle(
        db,
        handlers.on_idea_submitted,
        submitted("i-1", authors=["p-1", "p-2", "p-3"], title="Iltakirjasto", anonymous=anonymous),
    )


async def _mails(db: Database) -> dict[str, tuple[str, str]]:
    """Each recipient's (subject, body), one message each."""
    rows = await deliveries(db)
    by_person = {row.person_id: (row.subject, row.body) for row in rows}
    assert len(by_person) == len(rows)
    return by_person


def _only_own_name(mails: dict[str, tuple[str, str]]) -> None:
    """Nobody's message names anyone else (co-authors of an anonymous idea stay hidden)."""
    for pid, (subject, body) in mails.items():
        for other, name in NAMES.items():
            if other != pid:
                assert name not in subject + body and other not in subject + body


async def test_a_question_reaches_every_author_in_their_language_once(
    notification_db: Database,
) -> None:
    db = notification_db
    await _idea(db)
    question = InfoRequested(
        case_id="c-1", idea_id="i-1", requested_by="p-9", question="Mitä se maksaa?"
    )
    await handle_twice(db, handlers.on_info_requested, question)  # a replay
    mails = await _mails(db)
    assert sorted(mails) == ["p-1", "p-2", "p-3"]
    assert mails["p-1"][0] == "Ideastasi tarvitaan lisätietoja: Iltakirjasto"
    assert mails["p-2"][0] == "Mer information behövs om din idé: Iltakirjasto"
    assert mails["p-3"][0] == "More information is needed about your idea: Iltakirjasto"
    assert all("Mitä se maksaa?" in body for _, body in mails.values())
    items = await inbox_items(db)
    assert len(items) == 3 and {i.kind for i in items} == {"idea_needs_info"}
    assert {i.link for i in items} == {"/ideas/i-1"}
    assert "Mitä se maksaa?" in items[0].text


async def test_a_notice_about_an_idea_not_yet_known_waits(notification_db: Database) -> None:
    question = InfoRequested(case_id="c", idea_id="i-later", requested_by="p-9", question="?")
    with pytest.raises(RetryLater, match="i-later"):
        await handle(notification_db, handlers.on_info_requested, question)


def _comment(commenter: str, *, hidden: bool = False) -> IdeaCommented:
    return IdeaCommented(
        idea_id="i-1", comment_id="k-1", commenter_id=commenter, body="Hieno idea!", hidden=hidden
    )


async def test_a_comment_reaches_the_authors_but_not_the_commenter(
    notification_db: Database,
) -> None:
    db = notification_db
    await _idea(db, anonymous=True)
    await handle(db, handlers.on_idea_commented, _comment("p-1"))
    await handle(db, handlers.on_idea_commented, _comment("p-9", hidden=True))
    mails = await _mails(db)
    assert sorted(mails) == ["p-2", "p-3"]
    assert mails["p-3"][0] == "Your idea has a new comment: Iltakirjasto"
    assert "Hieno idea!" in mails["p-2"][1]
    _only_own_name(mails)
    # Someone who is not an author comments: the authors hear, the commenter learns nothing.
    await handle(db, handlers.on_idea_commented, _comment("p-9"))
    assert {r.person_id for r in await deliveries(db)} == {"p-1", "p-2", "p-3"}


async def test_progress_reaches_the_authors_with_dates_and_links_in_their_language(
    notification_db: Database,
) -> None:
    db = notification_db
    await _idea(db, anonymous=True)
    await handle(
        db,
        handlers.on_experiment_started,
        ExperimentStarted(
            idea_id="i-1",
            experiment_id="x-1",
            pilot_unit_ids=["u-kirjasto"],
            hypothesis="Iltaisin käy enemmän",
            measure="Käyntejä / ilta",
            starts_on=date(2026, 3, 1),
            ends_on=date(2026, 5, 31),
        ),
    )
    mails = await _mails(db)
    assert "kokeillaan 1.3.2026\u201331.5.2026" in mails["p-1"][1]
    assert "prövas 1.3.2026\u201331.5.2026" in mails["p-2"][1]
    assert "from 1 March 2026 to 31 May 2026" in mails["p-3"][1]
    assert {i.link for i in await inbox_items(db)} == {"/experiments/x-1"}
    _only_own_name(mails)


@pytest.mark.parametrize(
    ("event", "kind", "link", "finnish"),
    [
        (
            ImplementationCompleted(idea_id="i-1", owner_id="p-9", realised_benefit="20 h/kk"),
            "idea_implemented",
            "/ideas/i-1",
            "Toteutunut hyöty: 20 h/kk",
        ),
        (
            PracticePublished(
                idea_id="i-1",
                practice_id="g-1",
                title="Iltapäivystys",
                summary="s",
                published_by="p-9",
            ),
            "practice_published",
            "/practices/g-1",
            "hyvänä käytäntönä ”Iltapäivystys”",
        ),
        (
            PracticeAdopted(
                idea_id="i-1", practice_id="g-1", adopting_unit_id="u-2", reported_by="p-9"
            ),
            "practice_adopted",
            "/practices/g-1",
            "Toinen yksikkö on ottanut käyttöön",
        ),
    ],
)
async def test_implementation_and_good_practices_reach_the_authors(
    notification_db: Database, event: object, kind: str, link: str, finnish: str
) -> None:
    db = notification_db
    await _idea(db)
    handler = {
        ImplementationCompleted: handlers.on_implementation_completed,
        PracticePublished: handlers.on_practice_published,
        PracticeAdopted: handlers.on_practice_adopted,
    }[type(event)]
    await handle(db, handler, event)  # type: ignore[arg-type]
    mails = await _mails(db)
    assert sorted(mails) == ["p-1", "p-2", "p-3"]
    assert finnish in mails["p-1"][1]
    items = await inbox_items(db)
    assert {(i.kind, i.link) for i in items} == {(kind, link)}
    assert [i.language for i in items if i.person_id == "p-2"] == ["sv"]


async def test_a_periodic_award_reaches_its_anonymous_winners_only_themselves(
    notification_db: Database,
) -> None:
    db = notification_db
    await _idea(db, anonymous=True)
    award = PeriodicAwardDecided(
        round_id="r-1",
        award=PeriodicAwardKind.IDEA_OF_THE_MONTH,
        period="2026-11",
        idea_id="i-1",
        idea_title="Iltakirjasto",
        unit_id="u-kirjasto",
        recipient_ids=["p-1", "p-3"],
        anonymous=True,
        points=100,
        decided_by="p-9",
    )
    await handle(db, handlers.on_periodic_award_decided, award)
    mails = await _mails(db)
    assert sorted(mails) == ["p-1", "p-3"]
    assert mails["p-1"][0] == "Onnittelut! Kuukauden idea 11/2026: Iltakirjasto"
    assert "Saat 100 pistettä." in mails["p-1"][1]
    assert mails["p-3"][0] == "Congratulations! Idea of the month November 2026: Iltakirjasto"
    _only_own_name(mails)
    # A unit's award has nobody to write to here.
    unit_award = award.model_copy(
        update={
            "round_id": "r-2",
            "idea_id": None,
            "recipient_ids": [],
            "award": PeriodicAwardKind.UNIT_OF_THE_YEAR,
        }
    )
    await handle(db, handlers.on_periodic_award_decided, unit_award)
    assert len(await deliveries(db)) == 2


def _revision(
    revision: int, authors: list[str] | None, title: str = "Iltakirjasto 2"
) -> IdeaUpdated:
    return revised("i-1", revision, title, authors)


async def _receipts(db: Database) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for row in await deliveries(db):
        if row.template == "idea_received":
            found.setdefault(row.person_id, []).append(row.body)
    return found


async def test_a_co_author_who_confirmed_later_hears_too(notification_db: Database) -> None:
    db = notification_db
    await _idea(db)
    await handle(db, handlers.on_idea_updated, _revision(2, ["p-1", "p-2", "p-3", "p-9"]))
    await handle(db, handlers.on_idea_commented, _comment("p-1"))
    comments = [row.person_id for row in await deliveries(db) if row.template == "idea_commented"]
    assert sorted(comments) == ["p-2", "p-3", "p-9"]


async def test_each_co_author_who_joins_later_gets_one_receipt_naming_only_themselves(
    notification_db: Database,
) -> None:
    db = notification_db
    await _idea(db, anonymous=True)
    await handle(db, handlers.on_person_upserted, person("p-8", name="Stina Ek", language="sv"))
    await wants_everything_at_once(db, "p-8")
    # The authors at submission get theirs from IdeaSubmitted.
    await handle(
        db,
        handlers.on_idea_received,
        submitted("i-1", authors=["p-1", "p-2", "p-3"], title="Iltakirjasto", anonymous=True),
    )
    joins = _revision(2, ["p-1", "p-2", "p-3", "p-9"])
    await handle_twice(db, handlers.on_idea_updated, joins)  # redelivered
    # Revisions out of order: the newer (p-8 joins) first; the older one then changes nothing.
    await handle(db, handlers.on_idea_updated, _revision(4, ["p-1", "p-2", "p-3", "p-9", "p-8"]))
    await handle(db, handlers.on_idea_updated, _revision(3, ["p-1", "p-2", "p-3", "p-9"]))
    # An edit of the text changes no authors.
    await handle(db, handlers.on_idea_updated, _revision(5, None, title="Iltakirjasto 3"))

    receipts = await _receipts(db)
    assert {pid: len(bodies) for pid, bodies in receipts.items()} == {
        "p-1": 1,
        "p-2": 1,
        "p-3": 1,
        "p-9": 1,
        "p-8": 1,
    }
    [fi] = receipts["p-9"]
    assert "Kiitos, että liityit idean ”Iltakirjasto 2” tekijäksi" in fi
    [sv] = receipts["p-8"]
    assert "Tack för att du blev en av upphovspersonerna till idén ”Iltakirjasto 2”" in sv
    # Each is told only about themselves: no other author of the anonymous idea is named.
    for pid, name in NAMES.items():
        if pid != "p-9":
            assert name not in fi and pid not in fi
    assert all(name not in sv for name in NAMES.values())
    joined_items = [i for i in await inbox_items(db) if i.kind == "idea_received"]
    assert sorted(i.person_id for i in joined_items) == ["p-1", "p-2", "p-3", "p-8", "p-9"]
    assert {i.link for i in joined_items} == {"/ideas/i-1"}


async def test_a_co_author_hr_has_not_described_yet_holds_the_update_back(
    notification_db: Database,
) -> None:
    """Their receipt cannot be written yet: the update waits (and is retried) rather than
    forgetting it."""
    db = notification_db
    await _idea(db)
    with pytest.raises(RetryLater):
        await handle(db, handlers.on_idea_updated, _revision(2, ["p-1", "p-2", "p-3", "p-new"]))
    assert await _receipts(db) == {}
